"""Waivers: the versioned texts and what a valid signature is.

Pure domain code: imports neither Starlette nor boto3. Each text file in `waivers/` is
pinned here by its SHA-256, so an edit to a published version fails loudly (and in the
tests); a change of wording is a new file and a new version.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from server import ROOT
from server.domain.forms import EMAIL_MESSAGE, FormErrors, is_email, text_field

WAIVER_DIR = ROOT / "waivers"
PINNED = {
    "standard-v1": "4c7717290c36848b0e24db6ee48c9c6fed9ba1f7440555ce5ec5c3cafab6edd9",
    "esign-v1": "604e3add10e07cc23da5d1e089e07629e2fea311e63136e66bf3b0c189782f76",
}
CURRENT_WAIVER = "standard-v1"
CURRENT_ESIGN = "esign-v1"

ADULT_AGE = 18
MAX_MINORS = 10
MAX_NAME = 100
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().-]{7,25}$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# Signers one trip takes online: its capacity (or party size) and this many more, for
# late changes to the party; past that the crew signs guests at the dock.
EXTRA_SIGNERS = 10
# A trip with neither a capacity nor a party size takes this many signers.
SIGNERS_WITHOUT_SIZE = 50


def signer_cap(capacity: int, party_size: int) -> int:
    """The most waivers one trip takes online."""
    size = capacity or party_size
    return size + EXTRA_SIGNERS if size else SIGNERS_WITHOUT_SIZE


@dataclass(frozen=True)
class WaiverText:
    version: str
    text: str
    sha256: str

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]


@functools.cache
def load_text(version: str) -> WaiverText:
    """A published text, checked against its pinned hash; KeyError if unknown."""
    if version not in PINNED:
        raise KeyError(version)
    raw = (WAIVER_DIR / f"{version}.md").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != PINNED[version]:
        raise RuntimeError(
            f"waivers/{version}.md was edited after publication; publish a new version"
        )
    return WaiverText(version=version, text=raw.decode("utf-8"), sha256=digest)


DEFAULT_LANGUAGE = "en"


def text_of(version: str, language: str | None = None) -> WaiverText:
    """The text of `version` as shown in `language` (a waiver record's `language`; a
    record without one was signed in English): the one seam the signed PDF reads its
    text through. Only the English texts are published here so far; a language with
    no published text of `version` is a KeyError, never another language's text."""
    if (language or DEFAULT_LANGUAGE) != DEFAULT_LANGUAGE:
        raise KeyError(f"{version} ({language})")
    return load_text(version)


def age_on(born: date, on: date) -> int:
    """Whole years of age on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Minor:
    name: str
    date_of_birth: date


@dataclass(frozen=True)
class WaiverSubmission:
    """A validated waiver form."""

    waiver_id: str
    full_name: str
    date_of_birth: date
    email: str
    phone: str
    emergency_name: str
    emergency_phone: str
    signature: str
    waiver: WaiverText
    esign: WaiverText
    minors: list[Minor] = field(default_factory=list)


def minor_rows(form: Mapping[str, object]) -> int:
    """How many minor rows the form had (bounded)."""
    raw = text_field(form, "minor_rows")
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0
    return max(0, min(count, MAX_MINORS))


def _name(value: str, field_name: str, errors: dict[str, str], what: str) -> str:
    if not value:
        errors[field_name] = f"Enter {what}."
    elif len(value) > MAX_NAME or _CONTROL.search(value):
        errors[field_name] = f"Keep {what} to {MAX_NAME} characters."
    elif not any(c.isalpha() for c in value):
        errors[field_name] = f"Enter {what} in letters."
    return " ".join(value.split())


def _date(value: str, field_name: str, errors: dict[str, str], today: date) -> date | None:
    if not value:
        errors[field_name] = "Enter the date of birth."
        return None
    try:
        pattern = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
        parsed = date.fromisoformat(value) if re.fullmatch(pattern, value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field_name] = "Enter a real date, like 1990-04-21."
    elif parsed > today:
        errors[field_name] = "The date of birth cannot be in the future."
        return None
    elif parsed.year < 1900:
        errors[field_name] = "Check the year of birth."
        return None
    return parsed


def _phone(value: str, field_name: str, errors: dict[str, str]) -> str:
    digits = re.sub(r"\D", "", value)
    if not value:
        errors[field_name] = "Enter a phone number."
    elif not _PHONE_CHARS.match(value) or not 7 <= len(digits) <= 15:
        errors[field_name] = "Enter a phone number of 7 to 15 digits, like +1 555 123 4567."
    return value


def same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def validate_waiver(form: Mapping[str, object], trip_day: date, today: date) -> WaiverSubmission:
    """Check every field; FormErrors maps each bad field to its message."""
    errors: dict[str, str] = {}
    get = functools.partial(text_field, form)
    try:
        waiver_id = str(uuid.UUID(get("waiver_id")))
    except ValueError:
        waiver_id = ""
        errors["form"] = "This form is missing its reference. Reload the page and sign again."
    try:
        waiver = load_text(get("waiver_version"))
        esign = load_text(get("esign_version"))
    except KeyError:
        waiver = load_text(CURRENT_WAIVER)
        esign = load_text(CURRENT_ESIGN)
        errors["form"] = "The waiver text changed. Read the text below and sign again."

    full_name = _name(get("full_name"), "full_name", errors, "your full legal name")
    born = _date(get("date_of_birth"), "date_of_birth", errors, today)
    if born and age_on(born, trip_day) < ADULT_AGE:
        errors["date_of_birth"] = (
            f"The person signing must be {ADULT_AGE} or older on the trip date. "
            "A parent or guardian signs for a minor below."
        )
    email = get("email").lower()
    if not is_email(email):
        errors["email"] = EMAIL_MESSAGE
    phone = _phone(get("phone"), "phone", errors)
    emergency_name = _name(get("emergency_name"), "emergency_name", errors, "a contact name")
    emergency_phone = _phone(get("emergency_phone"), "emergency_phone", errors)

    minors = []
    for i in range(minor_rows(form)):
        name, dob = get(f"minor_name_{i}"), get(f"minor_dob_{i}")
        if not name and not dob:
            continue  # an empty row is ignored
        name = _name(name, f"minor_name_{i}", errors, "the minor's full name")
        minor_born = _date(dob, f"minor_dob_{i}", errors, today)
        if minor_born and age_on(minor_born, trip_day) >= ADULT_AGE:
            errors[f"minor_dob_{i}"] = (
                f"This guest is {ADULT_AGE} or older on the trip date and signs their own waiver."
            )
        if minor_born:
            minors.append(Minor(name=name, date_of_birth=minor_born))

    if get("agree_terms") != "yes":
        errors["agree_terms"] = "Tick to confirm you have read and agree to the waiver."
    if get("esign_consent") != "yes":
        errors["esign_consent"] = (
            "Tick to agree to sign electronically, or ask the crew for a paper waiver."
        )
    signature = " ".join(get("signature").split())
    if not signature:
        errors["signature"] = "Type your full name to sign."
    elif full_name and not same_name(signature, full_name):
        errors["signature"] = "Type your name exactly as in 'Full legal name' above."

    if errors or born is None:
        raise FormErrors(errors)
    return WaiverSubmission(
        waiver_id=waiver_id,
        full_name=full_name,
        date_of_birth=born,
        email=email,
        phone=phone,
        emergency_name=emergency_name,
        emergency_phone=emergency_phone,
        signature=signature,
        waiver=waiver,
        esign=esign,
        minors=minors,
    )
