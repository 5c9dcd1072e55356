"""The overdue check the sweep runs first: a departed trip not back in time is marked
overdue once, and that same write owes the OVERDUE alert to the shore contact."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from server.domain.clock import utc_iso
from server.domain.float_plan import overdue_due
from server.domain.records import EventMap
from server.store import Store

log = logging.getLogger(__name__)


def mark_overdue_trips(store: Store, now: datetime) -> int:
    """Mark overdue (once) each departed trip not back `SCC_OVERDUE_GRACE_MINUTES`
    after its expected return. Trips from yesterday on are looked at (a sunset trip may
    come back after midnight). One trip that cannot be read is logged and skipped: it
    must never keep another trip's alarm from going out."""
    since = (now.astimezone(store.settings.timezone).date() - timedelta(days=1)).isoformat()
    marked = 0
    for event in store.events.upcoming(since):
        try:
            marked += _mark_overdue(store, event, now)
        except Exception:
            log.exception("trip %s: overdue check failed", event.get("event_id"))
    return marked


def _mark_overdue(store: Store, event: EventMap, now: datetime) -> bool:
    if not overdue_due(event, now, store.settings.overdue_grace_minutes):
        return False
    departure = event["departure"]
    event_id = str(event["event_id"])
    at = utc_iso(now)
    expected_back = str(departure["expected_back"])
    if not store.events.mark_overdue(event_id, str(departure["departure_id"]), expected_back, at):
        return False
    store.audit.record(at, "sweep", "trip.overdue", event_id)
    return True
