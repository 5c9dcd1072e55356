"""What the captain's pages show of a trip's crew: who is assigned, who could be, and
the warnings about them (server/domain/credentials.py)."""

from __future__ import annotations

from typing import Any

from server.domain.credentials import trip_warnings
from server.domain.crew_roles import crew_of
from server.domain.records import Event
from server.store import Store


def min_crew_of(store: Store, event: Event) -> int | None:
    """The minimum crew of the trip's boat (None for a trip whose boat is free text)."""
    boat_id = event.get("boat_id")
    boat = store.boats.get(str(boat_id)) if boat_id else None
    return boat.min_crew if boat is not None else None


def accounts_by_email(users: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(u["email"]): u for u in users}


def crew_context(store: Store, event: Event, users: list[dict[str, Any]]) -> dict[str, Any]:
    """The crew section of the captain's event page: the crew assigned, the enabled
    accounts that can be assigned, and the warnings (never blocks)."""
    return {
        "crew": crew_of(event),
        "accounts": [u for u in users if not u.get("disabled")],
        "warnings": trip_warnings(event, accounts_by_email(users), min_crew_of(store, event)),
    }


def crew_warnings(store: Store, event: Event) -> list[str]:
    """The warnings about one trip's crew (the trip page, for the captain)."""
    users = accounts_by_email(store.users.all())
    return trip_warnings(event, users, min_crew_of(store, event))
