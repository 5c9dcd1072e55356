"""How each setting's text is read: one parser per kind of value (`server.settings`'s
table names them), each raising `SettingsError` that names the variable."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.datastructures import Secret

from server.domain.payday import Payday, parse_payday
from server.domain.tips import parse_role_shares

# `SCC_DYNAMODB_ENDPOINT=aws`: real AWS, also from a source checkout.
REAL_AWS = "aws"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


Parser = Callable[[str, str], Any]  # (name, raw text) -> value; raises SettingsError


def text(name: str, raw: str) -> str:
    return raw


def url(name: str, raw: str) -> str:
    value = raw.rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}: {raw!r} is not an http(s) URL")
    return value


def endpoint(name: str, raw: str) -> str | None:
    return None if raw.lower() == REAL_AWS else url(name, raw)


def path(name: str, raw: str) -> Path:
    return Path(raw)


def secret(name: str, raw: str) -> Secret:
    if len(raw) < 32:
        raise SettingsError(f"{name}: must be at least 32 characters long")
    return Secret(raw)


def prefixed_secret(*prefixes: str) -> Parser:
    """A secret that starts as Stripe's do (`sk_`, `rk_`, `whsec_`): a key pasted into
    the wrong variable stops the start, not the first payment."""

    def parse(name: str, raw: str) -> Secret:
        if not raw.startswith(prefixes) or len(raw) < 16 or not raw.isascii():
            raise SettingsError(f"{name}: must start with {' or '.join(prefixes)}")
        return Secret(raw)

    return parse


def password(name: str, raw: str) -> Secret:
    return Secret(raw)


def base64_secret(name: str, raw: str) -> Secret:
    """A file given as base64 text (a PKCS#12), kept as that text."""
    try:
        base64.b64decode(raw, validate=True)
    except ValueError:
        raise SettingsError(f"{name}: is not base64 (encode the file: base64 -w0 FILE)") from None
    return Secret(raw)


def whole_number(low: int, high: int) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name}: {raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}: must be between {low} and {high}, got {value}")
        return value

    return parse


_PREFIX = re.compile(r"^[A-Za-z0-9_.-]{0,200}$")


def prefix(name: str, raw: str) -> str:
    if not _PREFIX.match(raw):
        raise SettingsError(f"{name}: only letters, digits, '-', '_' and '.' are allowed")
    return raw


def timezone(name: str, raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}: unknown time zone {raw!r}") from None


def gmail_token(name: str, raw: str) -> Secret:
    try:
        token = json.loads(raw)
    except ValueError:
        raise SettingsError(f"{name}: is not JSON (authorized-user token expected)") from None
    missing = [
        k
        for k in ("refresh_token", "client_id", "client_secret")
        if not isinstance(token, dict) or not token.get(k)
    ]
    if missing:
        raise SettingsError(f"{name}: missing {', '.join(missing)}")
    return Secret(raw)


MAILERS = ("gmail", "ses")


def mailer(name: str, raw: str) -> str:
    value = raw.lower()
    if value not in MAILERS:
        raise SettingsError(f"{name}: {raw!r} is not one of {', '.join(MAILERS)}")
    return value


def language(name: str, raw: str) -> str:
    """A language the patron's pages are translated into (`en`, `es`)."""
    from server.domain.languages import LANGUAGES

    value = raw.strip().lower()
    if value not in LANGUAGES:
        raise SettingsError(f"{name}: {raw!r} is not one of {', '.join(LANGUAGES)}")
    return value


_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def addresses(name: str, raw: str) -> str:
    """Comma-separated email addresses, each checked by the app's one email syntax."""
    from server.domain.forms import is_email

    addresses = [a.strip() for a in raw.split(",") if a.strip()]
    bad = [a for a in addresses if not is_email(a)]
    if bad or not addresses:
        raise SettingsError(f"{name}: {', '.join(bad) or raw!r} is not an email address")
    return ", ".join(addresses)


def hosts(name: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if not _HOST.match(host):
            raise SettingsError(f"{name}: {host!r} is not a host name")
    return hosts


# A phone number as people type it: digits with spaces, dots, dashes or brackets between
# them, an optional leading + (international), 7 to 15 digits (E.164's most).
_PHONE = re.compile(r"^\+?[0-9]([0-9 .()-]*[0-9])?$")


def phone(name: str, raw: str) -> str:
    digits = sum(c.isdigit() for c in raw)
    if not _PHONE.match(raw) or not 7 <= digits <= 15 or "((" in raw or "))" in raw:
        raise SettingsError(
            f"{name}: {raw!r} is not a phone number (digits, optionally a leading + and "
            "spaces, dots, dashes or brackets between them, e.g. +1 415 555 0100)"
        )
    return raw


def tel_uri(phone: str) -> str:
    """A `phone` value as a `tel:` link (RFC 3966): the digits, with the + if given."""
    return "tel:" + ("+" if phone.startswith("+") else "") + "".join(filter(str.isdigit, phone))


def email(name: str, raw: str) -> str:
    """One address, parsed strictly (RFC 5322 addr-spec, as `email.policy.strict` reads
    it), with a host name for a domain: no display name, no list, nothing left over."""
    from email.errors import HeaderParseError, MessageDefect
    from email.headerregistry import Address

    try:
        address = Address(addr_spec=raw)
    except (ValueError, HeaderParseError, MessageDefect):
        address = None
    domain = address.domain.lower() if address is not None else ""
    if address is None or not raw.isascii() or "." not in domain or not _HOST.match(domain):
        raise SettingsError(f"{name}: {raw!r} is not one email address like name@example.com")
    return raw


def payday(name: str, raw: str) -> Payday:
    """SCC_PAYDAY: `weekly:fri`, `semimonthly:15,last`, `monthly:last` (server/domain/payday.py)."""
    try:
        return parse_payday(raw)
    except ValueError as invalid:
        raise SettingsError(f"{name}: {invalid}") from None


def tip_shares(name: str, raw: str) -> tuple[tuple[str, Decimal], ...]:
    """SCC_TIP_SHARES: `master=1.5,deckhand=1`, a tip-split weight per role (pairs, so
    the settings stay hashable)."""
    try:
        return tuple(sorted(parse_role_shares(raw).items()))
    except ValueError as invalid:
        raise SettingsError(f"{name}: {invalid}") from None
