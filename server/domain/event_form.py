"""What a new event needs, checked the same way for the CLI and the captain's form.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from server.domain.event_ids import InvalidEventId, make_event_id
from server.domain.forms import FormErrors, is_email
from server.domain.money import parse_amount
from server.domain.records import Event

MAX_TEXT = 200
MAX_NOTES = 2000
MAX_TOTAL = Decimal("1000000.00")


def _whole(text: str, field: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", text):
        errors[field] = "Use a whole number."
        return None
    value = int(text)
    if not low <= value <= high:
        errors[field] = f"Use a number from {low} to {high}."
    return value


# What can change after creation: everything but the id and what the id is made of.
EDITABLE = (
    "start_time",
    "duration_minutes",
    "boat",
    "boat_id",
    "capacity",
    "meeting_point",
    "party_size",
    "total_price",
    "notes",
    "booker_email",  # optional: who the captain emails the pay link to (issue 28)
)


def validate_event_details(values: Mapping[str, str]) -> dict[str, Any]:
    """The editable fields, checked; an empty optional field is None (to remove)."""
    errors: dict[str, str] = {}
    details = _details({k: (v or "").strip() for k, v in values.items()}, errors)
    if errors:
        raise FormErrors(errors)
    return details


def _details(get: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    start = get.get("start_time", "")
    if start and not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", start):
        errors["start_time"] = "Use a 24-hour time like 09:30."
    total = None
    try:
        total = parse_amount(get.get("total_price", ""), maximum=MAX_TOTAL)
    except ValueError as exc:
        errors["total_price"] = str(exc)
    boat_id = get.get("boat_id", "")
    if boat_id and not re.fullmatch(r"[a-z0-9]{1,40}", boat_id):
        errors["boat_id"] = "Choose a boat from the list."
    for name in ("boat", "meeting_point"):
        if len(get.get(name, "")) > MAX_TEXT:
            errors[name] = f"Keep this to {MAX_TEXT} characters."
    if len(get.get("notes", "")) > MAX_NOTES:
        errors["notes"] = f"Keep the notes to {MAX_NOTES} characters."
    booker = get.get("booker_email", "")
    if booker and not is_email(booker):
        errors["booker_email"] = "Enter an email address like name@example.com, or leave it empty."
    details: dict[str, Any] = {
        "start_time": start,
        "duration_minutes": _whole(
            get.get("duration_minutes", ""), "duration_minutes", 1, 24 * 60, errors
        ),
        "boat": get.get("boat", ""),
        "boat_id": boat_id,
        "capacity": _whole(get.get("capacity", ""), "capacity", 1, 500, errors),
        "meeting_point": get.get("meeting_point", ""),
        "party_size": _whole(get.get("party_size", ""), "party_size", 1, 500, errors),
        "total_price": total,
        "notes": get.get("notes", ""),
        "booker_email": booker,
    }
    return {k: (None if v == "" else v) for k, v in details.items()}


def new_event_id(values: Mapping[str, str]) -> str:
    """The id the create form's fields make, or InvalidEventId naming the field."""
    get = {k: (v or "").strip() for k, v in values.items()}
    for name in ("first_name", "period"):
        if len(get.get(name, "")) > MAX_TEXT:
            raise InvalidEventId(name, f"Keep this to {MAX_TEXT} characters.")
    return make_event_id(get.get("date", ""), get.get("first_name", ""), get.get("period"))


def validate_new_event(values: Mapping[str, str]) -> Event:
    """The event item to store, id included; FormErrors names each bad field."""
    errors: dict[str, str] = {}
    get = {k: (v or "").strip() for k, v in values.items()}
    event_id = ""
    try:
        event_id = new_event_id(get)
    except InvalidEventId as exc:
        errors[exc.field] = exc.message
    details = _details(get, errors)
    if errors:
        raise FormErrors(errors)
    item: Event = {
        "event_id": event_id,
        "date": event_id[:10],
        "patron_first_name": get["first_name"],
        "status": "scheduled",
        "payments": [],
    }
    if get.get("period"):
        item["period"] = get["period"]
    given = {k: v for k, v in details.items() if v is not None}
    return cast("Event", {**item, **given})
