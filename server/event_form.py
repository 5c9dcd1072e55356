"""What a new event needs, checked the same way for the CLI and the captain's form.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from server.event_ids import InvalidEventId, make_event_id
from server.forms import FormErrors
from server.money import parse_amount

MAX_TEXT = 200
MAX_NOTES = 2000
MAX_TOTAL = Decimal("1000000.00")


def _whole(text: str, field: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}", text):
        errors[field] = "Use a whole number."
        return None
    value = int(text)
    if not low <= value <= high:
        errors[field] = f"Use a number from {low} to {high}."
    return value


def validate_new_event(values: Mapping[str, str]) -> dict[str, Any]:
    """The event item to store, id included; FormErrors names each bad field."""
    errors: dict[str, str] = {}
    get = {k: (v or "").strip() for k, v in values.items()}
    event_id = ""
    try:
        event_id = make_event_id(get.get("date", ""), get.get("first_name", ""), get.get("period"))
    except InvalidEventId as exc:
        errors[exc.field] = exc.message
    start = get.get("start_time", "")
    if start and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", start):
        errors["start_time"] = "Use a 24-hour time like 09:30."
    total = None
    try:
        total = parse_amount(get.get("total_price", ""), maximum=MAX_TOTAL)
    except ValueError as exc:
        errors["total_price"] = str(exc)
    party = _whole(get.get("party_size", ""), "party_size", 1, 500, errors)
    capacity = _whole(get.get("capacity", ""), "capacity", 1, 500, errors)
    duration = _whole(get.get("duration_minutes", ""), "duration_minutes", 1, 24 * 60, errors)
    for name in ("boat", "meeting_point", "first_name", "period"):
        if len(get.get(name, "")) > MAX_TEXT:
            errors[name] = f"Keep this to {MAX_TEXT} characters."
    if len(get.get("notes", "")) > MAX_NOTES:
        errors["notes"] = f"Keep the notes to {MAX_NOTES} characters."
    if errors:
        raise FormErrors(errors)
    item: dict[str, Any] = {
        "event_id": event_id,
        "date": event_id[:10],
        "patron_first_name": get["first_name"],
        "total_price": total,
        "status": "scheduled",
        "payments": [],
    }
    optional = {
        "period": get.get("period"),
        "start_time": start,
        "boat": get.get("boat"),
        "meeting_point": get.get("meeting_point"),
        "notes": get.get("notes"),
        "party_size": party,
        "capacity": capacity,
        "duration_minutes": duration,
    }
    item.update({k: v for k, v in optional.items() if v not in (None, "")})
    return item
