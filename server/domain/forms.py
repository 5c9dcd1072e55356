"""Form input: the one place free text is read from a form, and the one way to report a
field's error.

Every text value is normalised here, once: Unicode NFC, control and formatting
characters (categories Cc and Cf: NUL, BEL, bidirectional overrides...) removed, every
line break (`str.splitlines()`'s set: CR, LF, VT, FF, NEL, U+2028, U+2029...) removed from
one-line fields and made a newline in multi-line ones, tab kept only in multi-line fields,
and the length capped at parse time so nothing longer is ever stored or echoed back. An
email address is compared as the mailbox it names (`mailbox`).

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from server.domain.languages import N_

# Caps applied when a field is read (validators may allow less and say so). Generous
# enough that a validator still sees, and reports, input that is only a little too long.
MAX_LINE = 500
MAX_MULTILINE = 4000
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_BY_FIELD = {"email": MAX_EMAIL}
_KEPT_IN_MULTILINE = {"\t", "\n"}
# Every character `str.splitlines()` breaks a line at: not only Cc (CR, LF, NEL...) but
# also U+2028 LINE SEPARATOR (Zl) and U+2029 PARAGRAPH SEPARATOR (Zp), which would
# otherwise pass into a one-line field and on into an email header.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Providers that deliver every dotted spelling of a local part to one mailbox.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
EMAIL_MESSAGE = N_("Enter an email address, like name@example.com.")  # patrons read it too


def is_email(value: str) -> bool:
    """The one email syntax check: local@domain.tld, at most 254 characters."""
    return len(value) <= MAX_EMAIL and _EMAIL.match(value) is not None


class FormErrors(Exception):
    """Input that cannot be stored. `errors` maps a field name to its message; the
    key `form` is for a message about the whole form."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def mailbox(email: str) -> str:
    """The mailbox an address reaches, for comparing addresses (never for sending):
    lower case, without a `+tag` (every domain), and for Gmail without the dots it
    ignores (googlemail.com is gmail.com). `Pat.Smith+boat@GoogleMail.com` is
    `patsmith@gmail.com`."""
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return email.strip().lower()
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def clean_text(value: str, *, multiline: bool = False, max_length: int = MAX_LINE) -> str:
    """NFC, without Cc/Cf characters or line breaks (when `multiline`, tab kept and
    every line break made a newline), trimmed, at most `max_length` characters."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    if multiline:
        value = "".join("\n" if c in LINE_BREAKS else c for c in value)
    kept = "".join(
        c
        for c in value
        if (unicodedata.category(c) not in ("Cc", "Cf") and c not in LINE_BREAKS)
        or (multiline and c in _KEPT_IN_MULTILINE)
    )
    return kept.strip()[:max_length]


def text_field(form: Mapping[str, object], name: str, *, multiline: bool = False) -> str:
    """One form field, cleaned (see `clean_text`); missing or non-text (an upload) is
    empty. Multi-line fields (notes) keep their tabs and newlines and a higher cap."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    cap = MAX_BY_FIELD.get(name, MAX_MULTILINE if multiline else MAX_LINE)
    # Cut before normalising too, so a megabyte of input costs nothing to clean.
    return clean_text(value[: cap * 4], multiline=multiline, max_length=cap)


def form_values(
    form: Mapping[str, object], names: Iterable[str], *, multiline: Iterable[str] = ()
) -> dict[str, str]:
    """The cleaned values of the named fields, as the form's re-render needs them."""
    lines = set(multiline)
    return {name: text_field(form, name, multiline=name in lines) for name in names}
