"""The one place that reads the environment.

Every setting has its help text here; `Settings.from_env()` validates them all and
raises `SettingsError` naming the variable, so a bad deployment stops at start-up.

In a source checkout (a clone with its `pyproject.toml`, where `make run` keeps its
`var/`), an unset `SCC_DYNAMODB_ENDPOINT` means `make run`'s dynalite and an unset
`SCC_SECRET_KEY` the one in `var/secret-key`, so `scc` commands work on the local data
and never reach AWS by accident; real AWS from a checkout takes
`SCC_DYNAMODB_ENDPOINT=aws`. Elsewhere (the Lambda zip, an installed package) unset
means real AWS, as before.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.config import Config
from starlette.datastructures import Secret

HELP = {
    "SCC_DYNAMODB_ENDPOINT": "DynamoDB endpoint URL (dynalite locally); `aws` means real AWS. "
    "Unset: make run's dynalite in a source checkout, real AWS elsewhere.",
    "AWS_REGION": "AWS region of the tables.",
    "SCC_TABLE_PREFIX": "Prefix of every table name, e.g. scc-prod- gives scc-prod-events.",
    "SCC_SECRET_KEY": "Random string of 32+ characters that signs CSRF tokens. Required.",
    "SCC_BASE_URL": "Public URL of the app; https makes cookies Secure.",
    "SCC_TIMEZONE": "The operator's time zone (IANA name); decides what 'today' is.",
    "SCC_SESSION_IDLE_DAYS": "A session unused this many days ends.",
    "SCC_SESSION_MAX_DAYS": "A session ends this many days after sign-in, used or not.",
    "GMAIL_TOKEN": "Gmail authorized-user JSON (refresh token, client id and secret).",
    "GMAIL_SENDER": "Address notifications are sent from.",
    "GMAIL_RECIPIENT": "Operator address(es) for payment notifications, comma-separated.",
    "SCC_GMAIL_API_ENDPOINT": "Gmail API root override, for tests against a local server.",
    "SCC_WAIVER_CLOSE_DAYS": "Waivers can be signed until this many days after the trip.",
    "SCC_ORIGIN_SECRET": "Secret CloudFront adds as X-Origin-Verify; when set, requests "
    "without it are refused and CloudFront-Viewer-Address is trusted for the client IP.",
    "PORT": "Port `scc serve` and `make run` listen on.",
    "SCC_DYNALITE_PORT": "Port of the local dynalite that `make run` starts.",
    "SCC_LOCAL_DATA": "Folder where `make run` keeps dynalite's data and the demo logins "
    "(default: var/ in the checkout).",
}

_PREFIX = re.compile(r"^[A-Za-z0-9_.-]{0,200}$")
REAL_AWS = "aws"
# The folder holding server/: a source checkout when the project files are beside it.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def source_checkout(root: Path = SOURCE_ROOT) -> Path | None:
    """`root` when it is a clone of the project (where `make run` keeps `var/`), else
    None (the Lambda zip and installed packages carry no pyproject.toml or Makefile)."""
    if (root / "pyproject.toml").is_file() and (root / "Makefile").is_file():
        return root
    return None


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


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
    waiver_close_days: int = 2
    origin_secret: Secret | None = None
    port: int = 8000
    dynalite_port: int = 4567
    local_data: Path = SOURCE_ROOT / "var"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def gmail_recipients(self) -> list[str]:
        return [r.strip() for r in (self.gmail_recipient or "").split(",") if r.strip()]

    @property
    def is_local_dynamodb(self) -> bool:
        return self.dynamodb_endpoint is not None

    def table_name(self, table: str) -> str:
        return f"{self.table_prefix}{table}"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, checkout: Path | None = None
    ) -> Settings:
        """Read and validate every setting. Reading the process environment (no
        `environ`) inside a source checkout applies the checkout's local defaults (see
        the module's docstring); `checkout` applies them to a given mapping (tests)."""
        if environ is None:
            checkout = checkout or source_checkout()
        config = Config(environ=os.environ if environ is None else environ)

        def text(name: str, default: str | None = None) -> str | None:
            value: str | None = config(name, default=default)
            return None if value in (None, "") else str(value).strip()

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = text(name, str(default))
            try:
                value = int(raw or "")
            except ValueError:
                raise SettingsError(f"{name}: {raw!r} is not a whole number") from None
            if not low <= value <= high:
                raise SettingsError(f"{name}: must be between {low} and {high}, got {value}")
            return value

        secret = text("SCC_SECRET_KEY")
        local_key = checkout / "var" / "secret-key" if checkout else None
        if secret is None and local_key is not None and local_key.is_file():
            secret = local_key.read_text().strip() or None
        if secret is None:
            raise SettingsError("SCC_SECRET_KEY: not set. " + HELP["SCC_SECRET_KEY"])
        if len(secret) < 32:
            raise SettingsError("SCC_SECRET_KEY: must be at least 32 characters long")

        dynalite_port = number("SCC_DYNALITE_PORT", 4567, 1, 65535)
        endpoint = text("SCC_DYNAMODB_ENDPOINT")
        if endpoint is None and checkout is not None:
            endpoint = f"http://127.0.0.1:{dynalite_port}"
        elif endpoint is not None and endpoint.lower() == REAL_AWS:
            endpoint = None
        elif endpoint is not None:
            _require_url("SCC_DYNAMODB_ENDPOINT", endpoint)
        gmail_endpoint = text("SCC_GMAIL_API_ENDPOINT")
        if gmail_endpoint is not None:
            _require_url("SCC_GMAIL_API_ENDPOINT", gmail_endpoint)

        base_url = (text("SCC_BASE_URL", "http://localhost:8000") or "").rstrip("/")
        _require_url("SCC_BASE_URL", base_url)

        prefix = text("SCC_TABLE_PREFIX", "scc-dev-") or ""
        if not _PREFIX.match(prefix):
            raise SettingsError(
                "SCC_TABLE_PREFIX: only letters, digits, '-', '_' and '.' are allowed"
            )

        tz_name = text("SCC_TIMEZONE", "America/Los_Angeles") or ""
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"SCC_TIMEZONE: unknown time zone {tz_name!r}") from None

        idle = number("SCC_SESSION_IDLE_DAYS", 14, 1, 365)
        maximum = number("SCC_SESSION_MAX_DAYS", 30, 1, 365)
        if idle > maximum:
            raise SettingsError("SCC_SESSION_IDLE_DAYS: cannot exceed SCC_SESSION_MAX_DAYS")

        token = text("GMAIL_TOKEN")
        gmail = {
            "GMAIL_TOKEN": token,
            "GMAIL_SENDER": text("GMAIL_SENDER"),
            "GMAIL_RECIPIENT": text("GMAIL_RECIPIENT"),
        }
        if any(gmail.values()):
            for name, value in gmail.items():
                if not value:
                    raise SettingsError(f"{name}: not set; the Gmail settings go together")
            _require_token(token or "")
        origin_secret = text("SCC_ORIGIN_SECRET")
        if origin_secret is not None and len(origin_secret) < 32:
            raise SettingsError("SCC_ORIGIN_SECRET: must be at least 32 characters long")
        return cls(
            secret_key=Secret(secret),
            dynamodb_endpoint=endpoint,
            aws_region=text("AWS_REGION", "us-east-1") or "us-east-1",
            table_prefix=prefix,
            base_url=base_url,
            timezone=timezone,
            session_idle_days=idle,
            session_max_days=maximum,
            gmail_token=Secret(token) if token else None,
            gmail_sender=gmail["GMAIL_SENDER"],
            gmail_recipient=gmail["GMAIL_RECIPIENT"],
            gmail_api_endpoint=gmail_endpoint,
            waiver_close_days=number("SCC_WAIVER_CLOSE_DAYS", 2, 0, 365),
            origin_secret=Secret(origin_secret) if origin_secret else None,
            port=number("PORT", 8000, 1, 65535),
            dynalite_port=dynalite_port,
            local_data=Path(text("SCC_LOCAL_DATA", str(SOURCE_ROOT / "var")) or "var"),
        )


def _require_token(value: str) -> None:
    try:
        token = json.loads(value)
    except ValueError:
        raise SettingsError("GMAIL_TOKEN: is not JSON (authorized-user token expected)") from None
    missing = [
        k
        for k in ("refresh_token", "client_id", "client_secret")
        if not isinstance(token, dict) or not token.get(k)
    ]
    if missing:
        raise SettingsError(f"GMAIL_TOKEN: missing {', '.join(missing)}")


def _require_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}: {value!r} is not an http(s) URL")
