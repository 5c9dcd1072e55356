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
from server.domain.languages import DEFAULT, N_, Translate, known

WAIVER_DIR = ROOT / "waivers"
# A translation is a version of its own (`standard-v1.es`: the Spanish of standard-v1),
# in its own file with its own pinned hash; the English original is the one it renders.
PINNED = {
    "standard-v1": "4c7717290c36848b0e24db6ee48c9c6fed9ba1f7440555ce5ec5c3cafab6edd9",
    "esign-v1": "604e3add10e07cc23da5d1e089e07629e2fea311e63136e66bf3b0c189782f76",
    "standard-v1.es": "66afb2db788397bf8b2685b96e93067686e6c8ac4034a5c9f467b8f8e769bc76",
    "esign-v1.es": "146853e79bbd63ffc6f17fbbf1770f4d174b3bce7bfb62a4b48be602ce45adc3",
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
    version: str  # this text's own id: `standard-v1`, or `standard-v1.es` for its Spanish
    text: str
    sha256: str
    language: str = DEFAULT

    @property
    def original_version(self) -> str:
        """The English version this text is (or translates): what a record names."""
        return self.version.removesuffix(f".{self.language}")

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
    stem, dot, language = version.rpartition(".")
    return WaiverText(
        version=version,
        text=raw.decode("utf-8"),
        sha256=digest,
        language=language if dot else DEFAULT,
    )


def text_of(version: str, language: str | None = DEFAULT) -> WaiverText:
    """The text of English `version` in `language` (the seam the sealed PDF prints a
    record's text through): the version itself in English, its translation otherwise;
    KeyError when that version has no published text in that language."""
    if "." in version:
        raise KeyError(version)  # a version is named by its English id
    language = language or DEFAULT  # a record without one was signed in English
    return load_text(version if language == DEFAULT else f"{version}.{language}")


def shown_text(version: str, language: str) -> WaiverText:
    """What the form shows a patron reading `language`: the translation when published,
    else the English (a version not yet translated is signed in English)."""
    try:
        return text_of(version, language)
    except KeyError:
        return text_of(version)


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
    waiver: WaiverText  # the texts shown, in `language`
    esign: WaiverText
    minors: list[Minor] = field(default_factory=list)
    language: str = DEFAULT

    @property
    def originals(self) -> tuple[WaiverText, WaiverText]:
        """The English originals of the waiver and disclosure shown."""
        return text_of(self.waiver.original_version), text_of(self.esign.original_version)


def minor_rows(form: Mapping[str, object]) -> int:
    """How many minor rows the form had (bounded)."""
    raw = text_field(form, "minor_rows")
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0
    return max(0, min(count, MAX_MINORS))


def _identity(message: str) -> str:
    return message


# The three names a form asks for, each worded whole in each message (a translation
# then agrees in gender and number): (empty, too long, no letters).
_NAME_MESSAGES = {
    "full_name": (
        N_("Enter your full legal name."),
        N_("Keep your full legal name to {max} characters."),
        N_("Enter your full legal name in letters."),
    ),
    "emergency_name": (
        N_("Enter a contact name."),
        N_("Keep a contact name to {max} characters."),
        N_("Enter a contact name in letters."),
    ),
    "minor": (
        N_("Enter the minor's full name."),
        N_("Keep the minor's full name to {max} characters."),
        N_("Enter the minor's full name in letters."),
    ),
}


def _name(value: str, field_name: str, errors: dict[str, str], kind: str, _: Translate) -> str:
    empty, too_long, no_letters = _NAME_MESSAGES[kind]
    if not value:
        errors[field_name] = _(empty)
    elif len(value) > MAX_NAME or _CONTROL.search(value):
        errors[field_name] = _(too_long).format(max=MAX_NAME)
    elif not any(c.isalpha() for c in value):
        errors[field_name] = _(no_letters)
    return " ".join(value.split())


def _date(
    value: str, field_name: str, errors: dict[str, str], today: date, _: Translate
) -> date | None:
    if not value:
        errors[field_name] = _("Enter the date of birth.")
        return None
    try:
        pattern = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
        parsed = date.fromisoformat(value) if re.fullmatch(pattern, value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field_name] = _("Enter a real date, like 1990-04-21.")
    elif parsed > today:
        errors[field_name] = _("The date of birth cannot be in the future.")
        return None
    elif parsed.year < 1900:
        errors[field_name] = _("Check the year of birth.")
        return None
    return parsed


def _phone(value: str, field_name: str, errors: dict[str, str], _: Translate) -> str:
    digits = re.sub(r"\D", "", value)
    if not value:
        errors[field_name] = _("Enter a phone number.")
    elif not _PHONE_CHARS.match(value) or not 7 <= len(digits) <= 15:
        errors[field_name] = _("Enter a phone number of 7 to 15 digits, like +1 555 123 4567.")
    return value


def same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def validate_waiver(
    form: Mapping[str, object], trip_day: date, today: date, _: Translate = _identity
) -> WaiverSubmission:
    """Check every field; FormErrors maps each bad field to its message, worded by `_`
    (the patron's language). The form's `language` is the one its texts were shown in."""
    errors: dict[str, str] = {}
    get = functools.partial(text_field, form)
    language = known(get("language")) or DEFAULT
    try:
        waiver_id = str(uuid.UUID(get("waiver_id")))
    except ValueError:
        waiver_id = ""
        errors["form"] = _("This form is missing its reference. Reload the page and sign again.")
    try:
        waiver = text_of(get("waiver_version"), language)
        esign = text_of(get("esign_version"), language)
    except KeyError:
        waiver = shown_text(CURRENT_WAIVER, language)
        esign = shown_text(CURRENT_ESIGN, language)
        errors["form"] = _("The waiver text changed. Read the text below and sign again.")

    full_name = _name(get("full_name"), "full_name", errors, "full_name", _)
    born = _date(get("date_of_birth"), "date_of_birth", errors, today, _)
    if born and age_on(born, trip_day) < ADULT_AGE:
        errors["date_of_birth"] = _(
            "The person signing must be {age} or older on the trip date. "
            "A parent or guardian signs for a minor below."
        ).format(age=ADULT_AGE)
    email = get("email").lower()
    if not is_email(email):
        errors["email"] = _(EMAIL_MESSAGE)
    phone = _phone(get("phone"), "phone", errors, _)
    emergency_name = _name(get("emergency_name"), "emergency_name", errors, "emergency_name", _)
    emergency_phone = _phone(get("emergency_phone"), "emergency_phone", errors, _)

    minors = []
    for i in range(minor_rows(form)):
        name, dob = get(f"minor_name_{i}"), get(f"minor_dob_{i}")
        if not name and not dob:
            continue  # an empty row is ignored
        name = _name(name, f"minor_name_{i}", errors, "minor", _)
        minor_born = _date(dob, f"minor_dob_{i}", errors, today, _)
        if minor_born and age_on(minor_born, trip_day) >= ADULT_AGE:
            errors[f"minor_dob_{i}"] = _(
                "This guest is {age} or older on the trip date and signs their own waiver."
            ).format(age=ADULT_AGE)
        if minor_born:
            minors.append(Minor(name=name, date_of_birth=minor_born))

    if get("agree_terms") != "yes":
        errors["agree_terms"] = _("Tick to confirm you have read and agree to the waiver.")
    if get("esign_consent") != "yes":
        errors["esign_consent"] = _(
            "Tick to agree to sign electronically, or ask the crew for a paper waiver."
        )
    signature = " ".join(get("signature").split())
    if not signature:
        errors["signature"] = _("Type your full name to sign.")
    elif full_name and not same_name(signature, full_name):
        errors["signature"] = _("Type your name exactly as in 'Full legal name' above.")

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
        language=waiver.language,
    )
