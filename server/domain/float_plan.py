"""The float plan: a trip departs once, may run late, comes back, or goes overdue.

Pure rules: what a departure records, when it is refused, what state a trip is in at
a given moment, and the notice refs the store marks as owed. Times are UTC ISO-8601
(`2026-05-23T17:04:05Z`) in storage; shown in the operator's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from server.domain.clock import as_utc, input_time, local_moment, utc_iso
from server.domain.manifest import Guest
from server.domain.records import AboardPerson, Departure, DepartureMap, EventMap, WaiverMap

LATE_STEP_MINUTES = 30
MAX_AREA = 120
MAX_TRIP_DAYS = 7  # an expected return further from the start is a typing slip
# Notice refs (the owed marks on the event item): the departure's own UUID makes each
# one unique, so a replay or a second sender can never queue an email twice.
# UNDO_BACK: "not back after all", owed by an Undo of Back at the dock (sent only when
# the shore was already told it was back).
FLOAT, OVERDUE, LATE, BACK, UNDO_BACK = "float", "overdue", "late", "back", "unback"
TRIP_NOTICE_KINDS = (FLOAT, OVERDUE, LATE, BACK, UNDO_BACK)
# Back at the dock can be undone this long after it was saved (a mistaken tap noticed
# at once), measured from the stored back time; after that it is the record.
UNDO_BACK_MINUTES = 10


class TripState(StrEnum):
    """A trip at a glance on the dashboard."""

    NOT_DEPARTED = "not_departed"
    OUT = "out"
    BACK = "back"
    OVERDUE = "overdue"


class DepartRefused(Exception):
    """The trip cannot depart; the message says why, in the crew's words."""


class TripWriteRefused(Exception):
    """A float-plan write's condition did not hold and it was not a replay; `item` is
    the event read right after (None when it is gone). Raised by the store, read by
    the services (which import no store module)."""

    def __init__(self, item: EventMap | None) -> None:
        super().__init__("refused")
        self.item = item


@dataclass(frozen=True)
class DepartForm:
    """What the Depart form asks: only what the app cannot know."""

    expected_back: str  # UTC ISO
    area: str
    crew: tuple[str, ...]


def trip_start(event: EventMap, timezone: tzinfo) -> datetime:
    """When the trip starts, local time (midnight when no start time is set)."""
    start = str(event.get("start_time") or "00:00")
    day = date.fromisoformat(str(event["date"]))
    hour, minute = (int(p) for p in start.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone)


def default_expected_back(
    event: EventMap, timezone: tzinfo, now: datetime | None = None
) -> datetime:
    """The trip's start plus its duration (2 hours when unknown), local time; a trip
    leaving after its start (`now` later) is back its duration from now, rounded up to
    the next 5 minutes, so a late departure is never overdue the moment it leaves."""
    minutes = int(event.get("duration_minutes") or 120)
    starts = trip_start(event, timezone)
    if now is None or now <= starts:
        return starts + timedelta(minutes=minutes)
    back = now.astimezone(timezone).replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return back + timedelta(minutes=-back.minute % 5)


def default_area(event: EventMap) -> str:
    """The trip kind (its period label, e.g. "whale") as a first guess at the area."""
    period = str(event.get("period") or "")
    return f"{period} trip".capitalize() if period else ""


def parse_depart_form(
    values: dict[str, str],
    starts: datetime,
    timezone: tzinfo,
    crew: list[str],
    *,
    now: datetime | None = None,
    grace_minutes: int = 0,
) -> tuple[DepartForm | None, dict[str, str]]:
    """The form's fields checked: `expected_back` is a local `HH:MM` on the day of
    the trip that `starts` then (the next day when earlier than the start: a sunset
    sail back after midnight), or a local `YYYY-MM-DDTHH:MM`; errors per field. A
    return already past at `now`, or within the overdue grace of it, is refused: the
    trip would be OVERDUE the moment it left."""
    trip_day = starts.date()
    errors: dict[str, str] = {}
    raw = values.get("expected_back", "").strip()
    expected: datetime | None = None
    try:
        if re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", raw):
            hour, minute = (int(p) for p in raw.split(":"))
            expected = datetime(
                trip_day.year, trip_day.month, trip_day.day, hour, minute, tzinfo=timezone
            )
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}", raw):
            expected = local_moment(raw, timezone)
    except ValueError:
        expected = None
    if expected is not None and len(raw) == 5 and expected < starts:
        expected += timedelta(days=1)
    if expected is None:
        errors["expected_back"] = "Use a time like 15:30."
    elif not starts <= expected <= starts + timedelta(days=MAX_TRIP_DAYS):
        errors["expected_back"] = (
            f"Give a return after the trip starts and within {MAX_TRIP_DAYS} days of it, "
            "like 15:30."
        )
    elif now is not None and expected <= now + timedelta(minutes=grace_minutes):
        soonest = input_time((now + timedelta(minutes=grace_minutes + 1)).astimezone(timezone))
        errors["expected_back"] = (
            "That return is already past or too close: the trip would be overdue as it "
            f"leaves. Give a time after {soonest}."
        )
    area = values.get("area", "").strip()
    if not area:
        errors["area"] = "Say where the boat is going."
    elif len(area) > MAX_AREA:
        errors["area"] = f"Keep this to {MAX_AREA} characters."
    if errors or expected is None:
        return None, errors
    return DepartForm(utc_iso(expected), area, tuple(sorted(set(crew)))), {}


def depart_refusal(event: EventMap | dict[str, Any], today: date) -> str | None:
    """Why this trip cannot depart now, or None."""
    if event.get("status") == "cancelled":
        return "This trip is cancelled; it cannot depart."
    if "returned_at" in event:
        return "This trip is already back at the dock."
    if "departure" in event:
        return "This trip has already departed."
    if str(event.get("date")) != today.isoformat():
        return "This trip is not today; only today's trips can depart."
    return None


def persons_aboard(
    guests: list[Guest], waivers: Sequence[WaiverMap], crew: list[dict[str, str]]
) -> list[AboardPerson]:
    """Checked-in guests (name, age, emergency contact from their waiver) and crew."""
    contacts = {
        str(w["waiver_id"]): (
            str(w.get("emergency_name", "")),
            str(w.get("emergency_phone", "")),
        )
        for w in waivers
    }
    aboard: list[AboardPerson] = []
    for guest in guests:
        if not guest.checked_in:
            continue
        name, phone = contacts.get(guest.waiver_id, ("", ""))
        aboard.append(
            {
                "role": "guest",
                "name": guest.name,
                "age": guest.age,
                "emergency_name": name,
                "emergency_phone": phone,
                "has_emergency_contact": bool(name and phone),
            }
        )
    for person in crew:
        aboard.append({"role": "crew", "name": person["name"], "email": person["email"]})
    return aboard


def departure_record(
    departure_id: str,
    form: DepartForm,
    event: EventMap,
    aboard: list[AboardPerson],
    by: str,
    now: str,
) -> Departure:
    """The map stored on the trip, once."""
    return {
        "departure_id": departure_id,
        "departed_at": now,
        "departed_by": by,
        "expected_back": form.expected_back,
        "area": form.area,
        "boat": str(event.get("boat") or ""),
        "aboard": aboard,
        "crew": list(form.crew),
    }


def state_of(event: EventMap, now: datetime | None = None, grace_minutes: int = 0) -> TripState:
    """The trip's state: as stored (the sweep marks a trip overdue and raises the
    alarm), or, given `now`, also overdue on a page as soon as the grace has run out,
    without waiting up to one sweep for the mark."""
    if "departure" not in event:
        return TripState.NOT_DEPARTED
    if "returned_at" in event:
        return TripState.BACK
    if "overdue_at" in event:
        return TripState.OVERDUE
    if now is not None and _past_grace(event, now, grace_minutes):
        return TripState.OVERDUE
    return TripState.OUT


def _past_grace(event: EventMap, now: datetime, grace_minutes: int) -> bool:
    expected = as_utc(str(event["departure"]["expected_back"]))
    return now > expected + timedelta(minutes=grace_minutes)


def overdue_due(event: EventMap, now: datetime, grace_minutes: int) -> bool:
    """Whether the sweep should mark this trip overdue now: out, not marked yet, and
    past its expected return by more than the grace."""
    return state_of(event) is TripState.OUT and _past_grace(event, now, grace_minutes)


def seen_back(text: str) -> str | None:
    """The expected return a Running late form says it saw, if it is one this app could
    have stored (`2026-05-23T17:04:05Z`, in a year that leaves room to add to); None for
    anything else, which no stored trip can match."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", text):
        return None
    try:
        moment = as_utc(text)
    except ValueError:  # 2026-02-30, 25:00
        return None
    return text if 1970 <= moment.year <= 9000 else None


def extended_back(event: EventMap, now: datetime, minutes: int = LATE_STEP_MINUTES) -> str:
    """The new expected return: +`minutes` from the later of the old one and now."""
    expected = as_utc(str(event["departure"]["expected_back"]))
    return utc_iso(max(expected, now.astimezone(UTC)) + timedelta(minutes=minutes))


def undo_back_cutoff(now: datetime) -> str:
    """The earliest stored back time an Undo at `now` may still take back (UTC ISO,
    compared as text in the write's condition: every stored moment has one format)."""
    return utc_iso(now - timedelta(minutes=UNDO_BACK_MINUTES))


def may_undo_back(event: EventMap, now: datetime) -> bool:
    """Whether Back at the dock on this trip is recent enough to undo at `now`."""
    returned = event.get("returned_at")
    return bool(returned) and str(returned) >= undo_back_cutoff(now)


def may_finish(event: EventMap, email: str, is_captain: bool) -> bool:
    """Back at the dock / running late: the captain, whoever departed it, or crew aboard."""
    departure: Departure | dict[str, Any] = event.get("departure") or {}
    return is_captain or email == departure.get("departed_by") or email in departure.get("crew", [])


def notice_ref(kind: str, departure_id: str, detail: str = "") -> str:
    """The owed mark and outbox id of one float-plan email."""
    return f"{kind}:{departure_id}" + (f":{detail}" if detail else "")


def split_ref(ref: str) -> tuple[str, str, str] | None:
    """(kind, departure_id, detail) of a float-plan ref, or None for anything else
    (a payment id on the same owed set)."""
    kind, _, rest = ref.partition(":")
    if kind not in TRIP_NOTICE_KINDS or not rest:
        return None
    departure_id, _, detail = rest.partition(":")
    return kind, departure_id, detail


def local_clock(iso: str, timezone: tzinfo) -> str:
    """A stored UTC moment as a local `HH:MM` (the Depart form's value)."""
    return input_time(as_utc(iso).astimezone(timezone))


def aboard_summary(departure: DepartureMap | dict[str, Any]) -> dict[str, Any]:
    """The float plan as the trip page and card show it: the guests aboard (count and
    names) and the crew aboard, the master first (`crew_aboard` with roles when the
    departure recorded one, else the crew in `aboard`)."""
    guests = [
        str(p.get("name", "")) for p in departure.get("aboard", []) if p.get("role") == "guest"
    ]
    recorded = departure.get("crew_aboard")
    if recorded:
        crew = [
            str(c.get("name") or c.get("email", ""))
            + (" (master)" if c.get("role") == "master" else "")
            for c in sorted(recorded, key=lambda c: c.get("role") != "master")
        ]
    else:
        crew = [
            str(p.get("name", "")) for p in departure.get("aboard", []) if p.get("role") == "crew"
        ]
    return {"guests": guests, "count": len(guests), "crew": crew}
