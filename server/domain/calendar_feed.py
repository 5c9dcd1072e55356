"""A crew member's private calendar feed (RFC 5545, the `icalendar` library): one
VEVENT per trip they are assigned to.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from icalendar import Calendar, Event

from server.domain import records
from server.domain.clock import local_moment
from server.domain.crew_roles import ROLE_LABELS, assigned

E = TypeVar("E", bound=records.EventMap)  # an event as read, or a hand-built map

# 32 random bytes, URL-safe base64: 43 characters, 256 bits (unguessable; no rate limit
# needed to keep it so).
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
DEFAULT_MINUTES = 180  # a trip without a duration is shown three hours long
PAST_DAYS = 30  # the feed keeps the last month's trips too


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(text: str) -> bool:
    """Only a token's shape is ever looked up (anything else is a 404 at once)."""
    return bool(TOKEN_SHAPE.match(text))


def feed_events(events: list[E], email: str) -> list[tuple[E, str]]:
    """(event, role) for each listed, not cancelled trip `email` is assigned to."""
    found = []
    for event in events:
        if event.get("status") == "cancelled" or "moved_to" in event:
            continue
        role = next((r for e, r in assigned(event) if e == email), None)
        if role is not None:
            found.append((event, role))
    return found


def build_feed(
    trips: Sequence[tuple[records.EventMap, str]],
    *,
    operator: str,
    timezone: tzinfo,
    trip_url: Any,
    stamp: datetime,
) -> bytes:
    """The feed as bytes. `trip_url(event_id)` is the absolute link to the trip page."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ship Captain Crew//crew trips//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{operator or 'Charter'} trips")
    for event, role in trips:
        calendar.add_component(_vevent(event, role, timezone, trip_url, stamp))
    return bytes(calendar.to_ical())


def _vevent(
    event: records.EventMap, role: str, timezone: tzinfo, trip_url: Any, stamp: datetime
) -> Event:
    event_id = str(event["event_id"])
    day = date.fromisoformat(str(event["date"])[:10])
    party = str(event.get("patron_first_name") or "")
    period = str(event.get("period") or "")
    boat = str(event.get("boat") or "")
    vevent = Event()
    vevent.add("uid", f"{event_id}@ship-captain-crew")
    vevent.add("dtstamp", stamp)
    vevent.add(
        "summary", " · ".join(p for p in (party, period, boat) if p) + f" ({ROLE_LABELS[role]})"
    )
    start_text = str(event.get("start_time") or "")
    if re.fullmatch(r"\d{2}:\d{2}", start_text):
        start = local_moment(f"{day.isoformat()}T{start_text}", timezone)
        minutes = int(event.get("duration_minutes") or DEFAULT_MINUTES)
        vevent.add("dtstart", start)
        vevent.add("dtend", start + timedelta(minutes=minutes))
    else:  # no start time yet: a whole-day entry
        vevent.add("dtstart", day)
        vevent.add("dtend", day + timedelta(days=1))
    if event.get("meeting_point"):
        vevent.add("location", str(event["meeting_point"]))
    url = str(trip_url(event_id))
    vevent.add("url", url)
    lines = [
        f"Party: {party} ({int(event.get('party_size') or 0)} guests)",
        f"Boat: {boat or 'not set'}",
        f"Meeting point: {event.get('meeting_point') or 'not set'}",
        "Crew: "
        + ", ".join(
            f"{c.get('name') or c['email']} ({c['role']})" for c in event.get("crew_assigned") or []
        ),
        f"Trip page: {url}",
    ]
    vevent.add("description", "\n".join(lines))
    return vevent
