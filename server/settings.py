"""The one place that reads the environment.

`SETTINGS` is the table of every variable: its name, how it is parsed, its default and
its help. `Settings.from_env()` walks it, validates every value and raises
`SettingsError` naming the variable, so a bad deployment stops at start-up;
`scc settings` prints the same table (never a value).

In a source checkout (a clone with its `pyproject.toml`, where `make run` keeps its
`var/`), an unset `SCC_DYNAMODB_ENDPOINT` means `make run`'s dynalite and an unset
`SCC_SECRET_KEY` the one in `var/secret-key`, so `scc` commands work on the local data
and never reach AWS by accident; real AWS from a checkout takes
`SCC_DYNAMODB_ENDPOINT=aws`. Elsewhere (the Lambda zip, an installed package) unset
means real AWS.
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.datastructures import Secret

from server import setting_values as parse
from server.domain.payday import Payday, parse_payday
from server.secrets import SecretReader, resolve_secrets
from server.setting_values import REAL_AWS as REAL_AWS
from server.setting_values import Parser
from server.setting_values import SettingsError as SettingsError
from server.setting_values import tel_uri as tel_uri

_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def on_lambda(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process is an AWS Lambda execution environment (the runtime sets
    AWS_LAMBDA_FUNCTION_NAME): `server.lambda_handler` then starts the app at init."""
    return bool((os.environ if environ is None else environ).get("AWS_LAMBDA_FUNCTION_NAME"))


def snapshotting(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this Lambda init is being snapshotted (SnapStart on a published version):
    work done now is then free for every restored environment."""
    env = os.environ if environ is None else environ
    return env.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


# The folder holding server/: a source checkout when the project files are beside it.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def source_checkout(root: Path = SOURCE_ROOT) -> Path | None:
    """`root` when it is a clone of the project (where `make run` keeps `var/`), else
    None (the Lambda zip and installed packages carry no pyproject.toml or Makefile)."""
    if (root / "pyproject.toml").is_file() and (root / "Makefile").is_file():
        return root
    return None


@dataclass(frozen=True)
class Setting:
    """One environment variable, parsed by `parse` from the variable's text or from
    `default` (None: unset unless given) into the `Settings` field `attr`."""

    name: str
    parse: Parser
    default: str | None
    help: str

    @property
    def attr(self) -> str:
        """SCC_TABLE_PREFIX is `table_prefix`; AWS_REGION is `aws_region`."""
        return self.name.lower().removeprefix("scc_")


_days = parse.whole_number(1, 365)
_port = parse.whole_number(1, 65535)

# One row per line (E501 is off for this file): the table reads as a table.
# fmt: off
SETTINGS: tuple[Setting, ...] = (
    Setting("SCC_SECRET_KEY", parse.secret, None, "Random string of 32+ characters that signs CSRF tokens. Required."),
    Setting("SCC_DYNAMODB_ENDPOINT", parse.endpoint, None, "DynamoDB endpoint URL (dynalite locally); `aws` means real AWS. Unset: make run's dynalite in a source checkout, real AWS elsewhere."),
    Setting("AWS_REGION", parse.text, "us-east-1", "AWS region of the tables."),
    Setting("SCC_TABLE_PREFIX", parse.prefix, "scc-dev-", "Prefix of every table name, e.g. scc-prod- gives scc-prod-events."),
    Setting("SCC_BASE_URL", parse.url, "http://localhost:8000", "Public URL of the app (patron links, QR codes, email links); https makes cookies Secure. Unset under `make run`: worked out from PORT and the host (the LAN address on 0.0.0.0)."),
    Setting("SCC_TIMEZONE", parse.timezone, "America/Los_Angeles", "The operator's time zone (IANA name); decides what 'today' is."),
    Setting("SCC_SESSION_IDLE_DAYS", _days, "14", "A session unused this many days ends."),
    Setting("SCC_SESSION_MAX_DAYS", _days, "30", "A session ends this many days after sign-in, used or not."),
    Setting("GMAIL_TOKEN", parse.gmail_token, None, "Gmail authorized-user JSON (refresh token, client id and secret)."),
    Setting("GMAIL_SENDER", parse.addresses, None, "Address notifications are sent from."),
    Setting("GMAIL_RECIPIENT", parse.addresses, None, "Operator address(es) for payment notifications, comma-separated."),
    Setting("SCC_SHORE_CONTACT", parse.addresses, None, "Who gets the float plan, running-late, back and OVERDUE emails, comma-separated; unset: the operator's (GMAIL_RECIPIENT, or SCC_SES_RECIPIENT with SES)."),
    Setting("SCC_OVERDUE_GRACE_MINUTES", parse.whole_number(0, 24 * 60), "30", "A departed trip not back this many minutes after its expected return is marked overdue by the sweep and the shore contact alerted."),
    Setting("SCC_USCG_SECTOR_PHONE", parse.phone, None, "The Coast Guard sector's phone number for the operator's waters, shown on an overdue trip (what to do) and in the OVERDUE email, e.g. +1 415 399 3547; unset: none is shown (never a guess)."),
    Setting("SCC_GMAIL_API_ENDPOINT", parse.url, None, "Gmail API root override, for tests against a local server."),
    Setting("SCC_MAILER", parse.mailer, "gmail", "Which mailer sends the emails: `gmail` (GMAIL_TOKEN, GMAIL_SENDER, GMAIL_RECIPIENT) or `ses` (Amazon SES: SCC_SES_FROM, SCC_SES_RECIPIENT)."),
    Setting("SCC_SES_FROM", parse.addresses, None, "With SCC_MAILER=ses: the address emails are sent from, on an SES identity verified in AWS_REGION (the stack's SesIdentity)."),
    Setting("SCC_SES_RECIPIENT", parse.addresses, None, "With SCC_MAILER=ses: operator address(es) for payment notifications, comma-separated."),
    Setting("SCC_SES_CONFIGURATION_SET", parse.text, None, "With SCC_MAILER=ses: optional SES configuration set every send names (event publishing, a dedicated IP pool)."),
    Setting("SCC_SES_ENDPOINT", parse.url, None, "Amazon SES (sesv2) endpoint override, for tests against a local server."),
    Setting("SCC_USCG_SECTOR_PHONE", parse.phone, None, "The Coast Guard sector's phone number, on an overdue trip and in the OVERDUE alert; unset, they say no number is set rather than guess one."),
    Setting("SCC_OPERATOR_NAME", parse.text, "your charter operator", "The charter business's name, as patrons see it on the trip page, the waiver and their emails (the waiver text's \"Operator\")."),
    Setting("SCC_OPERATOR_PHONE", parse.phone, None, "The phone number patrons can call, on the trip and waiver pages and in their emails (a tel: link), e.g. +1 415 555 0100."),
    Setting("SCC_OPERATOR_EMAIL", parse.email, None, "The email address patrons can write to, on the trip and waiver pages and in their emails."),
    Setting("SCC_WAIVER_CLOSE_DAYS", parse.whole_number(0, 365), "2", "Waivers can be signed until this many days after the trip."),
    Setting("SCC_WAIVER_GOVERNING_LANGUAGE", parse.language, "en", "Which text of a waiver governs when it is signed in translation (`en` or `es`); a translated waiver page says so, in its own language, with the English original a tap away."),
    Setting("SCC_ORIGIN_SECRET", parse.secret, None, "Secret CloudFront adds as X-Origin-Verify; when set, requests without it are refused and CloudFront-Viewer-Address is trusted for the client IP."),
    Setting("SCC_ORIGIN_SECRET_PREVIOUS", parse.secret, None, "The origin secret before a rotation: accepted as well as SCC_ORIGIN_SECRET until CloudFront sends the new one."),
    Setting("SCC_ORIGIN_SECRET_ARN", parse.text, None, "Secrets Manager secret (ARN or name) whose current and previous versions are SCC_ORIGIN_SECRET and SCC_ORIGIN_SECRET_PREVIOUS, read at start-up (the stack sets it)."),
    Setting("SCC_SECRETS_ARN", parse.text, None, "Secrets Manager secret (ARN or name) holding a JSON object of the secret settings (SCC_SECRET_KEY, GMAIL_TOKEN, SCC_SIGNING_KEY, SCC_SIGNING_KEY_PASSWORD), read at start-up instead of plain variables (the stack sets it)."),
    Setting("SCC_ALLOWED_HOSTS", parse.hosts, None, "Extra Host header values the app answers, comma-separated (`*.example.com` allowed), besides SCC_BASE_URL's host; behind CloudFront (SCC_ORIGIN_SECRET set) the region's Lambda Function URL hosts are added."),
    Setting("SCC_PAYDAY", parse.payday, "semimonthly:15,last", "The regular payday (California Labor Code §351: card tips are paid out by the next one): `weekly:fri`, `semimonthly:15,last` or `monthly:last`. /admin/tips flags card tips still owed past it."),
    Setting("SCC_TIP_SHARES", parse.tip_shares, None, "The default tip split per role, e.g. `master=1.5,deckhand=1`; blank: equal shares. The captain can set a trip's own shares on its page."),
    Setting("PORT", _port, "8000", "Port `scc serve` and `make run` listen on."),
    Setting("SCC_LOCAL_DATA", parse.path, None, "Folder where `make run` keeps dynalite's data and the demo logins (default: var/ in the checkout)."),
    Setting("SCC_DYNALITE_PORT", _port, "4567", "Port of the local dynalite that `make run` starts."),
    Setting("STRIPE_SECRET_KEY", parse.prefixed_secret("sk_", "rk_"), None, "Stripe secret API key (sk_live_… or sk_test_…): patrons can pay the balance online (Stripe Checkout). Goes with STRIPE_WEBHOOK_SECRET; without both there is no pay button."),
    Setting("STRIPE_WEBHOOK_SECRET", parse.prefixed_secret("whsec_"), None, "Signing secret (whsec_…) of the Stripe webhook endpoint /webhooks/stripe, the only path that records an online payment."),
    Setting("SCC_STRIPE_API_BASE", parse.url, None, "Stripe API root override, for tests against a local server."),
    Setting("SCC_SIGNING_KEY", parse.base64_secret, None, "The operator's signing certificate and private key, a PKCS#12 file as base64, that seals every signed waiver's PDF (PAdES); a secret (SCC_SECRETS_ARN on AWS). Unset in a source checkout: var/signing.p12, which `make run` creates self-signed. Unset elsewhere: no PDF is made."),
    Setting("SCC_SIGNING_KEY_PASSWORD", parse.password, None, "The passphrase of SCC_SIGNING_KEY's PKCS#12, if it has one; a secret like it."),
    Setting("SCC_DOCUMENTS_BUCKET", parse.text, None, "S3 bucket that keeps the sealed waiver PDFs (the stack's DocumentsBucket sets it). Unset: the folder documents/ under SCC_LOCAL_DATA."),
    Setting("SCC_AWS_CALL_LOG", parse.path, None, "Test suites only: a file where every AWS call the app makes is appended (service, operation, table), checked against the template's AppRole (server/call_log.py). Never set on AWS."),
)
# fmt: on

# `make run`'s self-signed signing certificate, under var/ (tools/signing_key.py).
SIGNING_FILE = "signing.p12"
GMAIL = ("GMAIL_TOKEN", "GMAIL_SENDER", "GMAIL_RECIPIENT")
STRIPE = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
# Online payments are charged in this currency (the ledger's amounts are dollars).
STRIPE_CURRENCY = "usd"
SES = ("SCC_SES_FROM", "SCC_SES_RECIPIENT")
# The operator as the waiver and the emails name them: a staging or production deploy
# refuses to go out without every one of these (deploy/environment.py REQUIRED). The
# phone and email are the settings of issue 24 (patrons' contact on the trip pages).
OPERATOR = ("SCC_OPERATOR_NAME", "SCC_OPERATOR_PHONE", "SCC_OPERATOR_EMAIL")


@dataclass(frozen=True)
class Settings:
    secret_key: Secret
    dynamodb_endpoint: str | None = None
    aws_region: str = "us-east-1"
    table_prefix: str = "scc-dev-"
    base_url: str = "http://localhost:8000"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Los_Angeles"))
    session_idle_days: int = 14
    session_max_days: int = 30
    gmail_token: Secret | None = None
    gmail_sender: str | None = None
    gmail_recipient: str | None = None
    gmail_api_endpoint: str | None = None
    mailer: str = "gmail"
    ses_from: str | None = None
    ses_recipient: str | None = None
    ses_configuration_set: str | None = None
    ses_endpoint: str | None = None
    shore_contact: str | None = None
    overdue_grace_minutes: int = 30
    uscg_sector_phone: str | None = None
    operator_name: str = "your charter operator"
    operator_phone: str | None = None
    operator_email: str | None = None
    waiver_close_days: int = 2
    waiver_governing_language: str = "en"
    origin_secret: Secret | None = None
    origin_secret_previous: Secret | None = None
    origin_secret_arn: str | None = None
    secrets_arn: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    payday: Payday = field(default_factory=lambda: parse_payday("semimonthly:15,last"))
    tip_shares: tuple[tuple[str, Decimal], ...] = ()
    port: int = 8000
    dynalite_port: int = 4567
    local_data: Path = SOURCE_ROOT / "var"
    # The names read from the environment (not defaulted): `make run` derives
    # SCC_BASE_URL from its host and port only when it was not given.
    given: frozenset[str] = frozenset()
    stripe_secret_key: Secret | None = None
    stripe_webhook_secret: Secret | None = None
    stripe_api_base: str | None = None
    aws_call_log: Path | None = None
    signing_key: Secret | None = None
    signing_key_password: Secret | None = None
    documents_bucket: str | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def takes_online_payments(self) -> bool:
        """Both Stripe secrets are set: the pay button and /webhooks/stripe work."""
        return self.stripe_secret_key is not None and self.stripe_webhook_secret is not None

    @property
    def operator_tel(self) -> str | None:
        """SCC_OPERATOR_PHONE as a `tel:` link."""
        return tel_uri(self.operator_phone) if self.operator_phone else None

    @property
    def uscg_sector_tel(self) -> str | None:
        """SCC_USCG_SECTOR_PHONE as a `tel:` link (None when unset)."""
        return tel_uri(self.uscg_sector_phone) if self.uscg_sector_phone else None

    @property
    def operator_contact(self) -> dict[str, str | None]:
        """How patrons reach the operator: `phone` as typed, its `tel` link, `email`."""
        return {
            "phone": self.operator_phone,
            "tel": self.operator_tel,
            "email": self.operator_email,
        }

    @property
    def gmail_recipients(self) -> list[str]:
        return [r.strip() for r in (self.gmail_recipient or "").split(",") if r.strip()]

    @property
    def mail_sender(self) -> str:
        """The From address of the chosen mailer (SCC_MAILER)."""
        return (self.ses_from if self.mailer == "ses" else self.gmail_sender) or ""

    @property
    def mail_recipients(self) -> list[str]:
        """The operator's addresses for the chosen mailer (SCC_MAILER)."""
        if self.mailer == "ses":
            return [r.strip() for r in (self.ses_recipient or "").split(",") if r.strip()]
        return self.gmail_recipients

    @property
    def shore_contacts(self) -> list[str]:
        """Float-plan recipients: SCC_SHORE_CONTACT, else the operator's addresses."""
        given = [r.strip() for r in (self.shore_contact or "").split(",") if r.strip()]
        return given or self.mail_recipients

    @property
    def trusted_hosts(self) -> list[str]:
        """The Host header values the app answers (TrustedHostMiddleware): SCC_BASE_URL's
        host, the loopback names when that is a local address, the Lambda Function URL
        hosts of the region when CloudFront fronts the app (it forwards every header
        but Host, and the origin secret already refuses anyone else calling those), and
        SCC_ALLOWED_HOSTS."""
        host = urlsplit(self.base_url).hostname or ""
        hosts = [host]
        if host in _LOOPBACK:
            hosts += [h for h in _LOOPBACK if h != host]
        if self.origin_secret is not None:
            hosts.append(f"*.lambda-url.{self.aws_region}.on.aws")
        return [*hosts, *self.allowed_hosts]

    def from_cloudfront(self, sent: str) -> bool:
        """Whether `sent` (the X-Origin-Verify header) is the origin secret or, during a
        rotation, the previous one."""
        secrets = [s for s in (self.origin_secret, self.origin_secret_previous) if s]
        matches = [hmac.compare_digest(sent.encode(), str(s).encode()) for s in secrets]
        return any(matches)

    @property
    def is_local_dynamodb(self) -> bool:
        return self.dynamodb_endpoint is not None

    def table_name(self, table: str) -> str:
        return f"{self.table_prefix}{table}"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        checkout: Path | None = None,
        secrets: SecretReader | None = None,
    ) -> Settings:
        """Read and validate every setting. Reading the process environment (no
        `environ`) inside a source checkout applies the checkout's local defaults (see
        the module's docstring); `checkout` applies them to a given mapping (tests).
        Secret values named by SCC_SECRETS_ARN / SCC_ORIGIN_SECRET_ARN are read with
        `secrets` (default: Secrets Manager in AWS_REGION)."""
        if environ is None:
            checkout = checkout or source_checkout()
        env = resolve_secrets(os.environ if environ is None else environ, secrets)
        given = {s.name: raw for s in SETTINGS if (raw := env.get(s.name, "").strip())}
        local_key = checkout / "var" / "secret-key" if checkout else None
        if "SCC_SECRET_KEY" not in given and local_key is not None and local_key.is_file():
            given["SCC_SECRET_KEY"] = local_key.read_text().strip()
        local_p12 = checkout / "var" / SIGNING_FILE if checkout else None
        if "SCC_SIGNING_KEY" not in given and local_p12 is not None and local_p12.is_file():
            given["SCC_SIGNING_KEY"] = base64.b64encode(local_p12.read_bytes()).decode()
        required = SETTINGS[0]
        if not given.get(required.name):
            raise SettingsError(f"{required.name}: not set. {required.help}")
        if any(name in given for name in GMAIL):
            for name in GMAIL:
                if name not in given:
                    raise SettingsError(f"{name}: not set; the Gmail settings go together")
        if any(name in given for name in STRIPE):
            for name in STRIPE:
                if name not in given:
                    raise SettingsError(f"{name}: not set; the Stripe settings go together")
        if given.get("SCC_MAILER", "").lower() == "ses":
            for name in SES:
                if name not in given:
                    raise SettingsError(
                        f"{name}: not set; SCC_MAILER=ses needs {' and '.join(SES)}"
                    )
        values = {
            s.attr: s.parse(s.name, text)
            for s in SETTINGS
            if (text := given.get(s.name, s.default)) is not None
        }
        if checkout is not None and "SCC_DYNAMODB_ENDPOINT" not in given:
            values["dynamodb_endpoint"] = f"http://127.0.0.1:{values['dynalite_port']}"
        if values["session_idle_days"] > values["session_max_days"]:
            raise SettingsError("SCC_SESSION_IDLE_DAYS: cannot exceed SCC_SESSION_MAX_DAYS")
        return cls(**values, given=frozenset(given))


def describe(environ: Mapping[str, str] | None = None) -> list[tuple[str, str, str, bool]]:
    """(name, default, help, whether it is set) for each setting: never a value."""
    env = os.environ if environ is None else environ
    return [(s.name, s.default or "", s.help, bool(env.get(s.name, "").strip())) for s in SETTINGS]
