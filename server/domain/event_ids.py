"""The event id convention: `YYYY-MM-DD-firstname[-period]`, lower-case ASCII.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from server.domain.records import EventMap

EVENT_ID = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})-([a-z]{1,30})(?:-([a-z0-9]{1,20}))?$")
MAX_FIRST_NAME = 30
MAX_PERIOD = 20

# Letters that Unicode decomposition does not fold to ASCII on its own.
_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)


class InvalidEventId(ValueError):
    """An event id (or a part of one) breaks the convention; `field` names the part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: accents folded, everything else dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLDS))
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())


FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_date(text: str) -> date:
    """A real calendar date written YYYY-MM-DD, between 2000 and 2100."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        raise InvalidEventId("date", "Use a date written YYYY-MM-DD.")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidEventId("date", f"{text.strip()} is not a real calendar date.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidEventId("date", f"Use a date between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


def make_event_id(day: str | date, first_name: str, period: str | None = None) -> str:
    """Build the id from the create form's fields, or raise `InvalidEventId`."""
    when = day if isinstance(day, date) else parse_date(day)
    name = fold(first_name)
    if not name or not name.isalpha():
        raise InvalidEventId("first_name", "Give the patron's first name, in letters.")
    if len(name) > MAX_FIRST_NAME:
        raise InvalidEventId("first_name", f"Keep the first name to {MAX_FIRST_NAME} letters.")
    event_id = f"{when.isoformat()}-{name}"
    if period and period.strip():
        label = fold(period)
        if not label:
            raise InvalidEventId("period", "Use letters and digits for the period label.")
        if len(label) > MAX_PERIOD:
            raise InvalidEventId("period", f"Keep the period label to {MAX_PERIOD} characters.")
        event_id += f"-{label}"
    return event_id


def is_valid_event_id(event_id: str) -> bool:
    """True when the id follows the convention and its date is real."""
    match = EVENT_ID.match(event_id)
    if match is None:
        return False
    try:
        parse_date(match.group(1))
    except InvalidEventId:
        return False
    return True


def suggest_id(item: EventMap) -> str | None:
    """A conforming id for a legacy item, from what it holds (None if no date)."""
    event_id = str(item["event_id"])
    day = str(item.get("date") or event_id[:10])
    name = str(item.get("patron_first_name") or item.get("first_name") or "guest")
    try:
        return make_event_id(day, name, str(item.get("period") or "") or None)
    except InvalidEventId:
        return None


def nonconforming_ids(items: Iterable[EventMap]) -> list[tuple[str, str | None]]:
    """Every event (not a renamed event's stub) whose id breaks the convention, with a
    suggested id, sorted by id."""
    return sorted(
        (str(item["event_id"]), suggest_id(item))
        for item in items
        if "moved_to" not in item and not is_valid_event_id(str(item["event_id"]))
    )
