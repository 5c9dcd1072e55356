"""Who crews a trip: the event's `crew_assigned` (a list of `{"email", "role", "name"}`
maps, at most one master) and the changes the captain makes to it.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

from enum import Enum

from server.domain.records import CrewEntry, EventMap

MASTER = "master"
DECKHAND = "deckhand"
CREW_ROLES = (MASTER, DECKHAND)
ROLE_LABELS = {MASTER: "Master", DECKHAND: "Deckhand"}


class CrewChange(Enum):
    """How a change to a trip's crew ended (server/store/crew.py)."""

    SAVED = "saved"
    UNCHANGED = "unchanged"  # nothing to change: nothing written
    MISSING = "missing"
    DEPARTED = "departed"
    CLOSED = "closed"  # moved or being renamed


def assigned(event: EventMap) -> list[tuple[str, str]]:
    """(email, role) of everyone assigned to the trip, the master first."""
    crew = [
        (str(c["email"]), str(c.get("role") or DECKHAND))
        for c in event.get("crew_assigned") or []
        if c.get("email")
    ]
    return sorted(crew, key=lambda c: c[1] != MASTER)


def crew_of(event: EventMap) -> list[CrewEntry]:
    """The stored maps, the master first: `email`, `role` and the `name` kept when
    assigned (so a card shows names without reading the users table)."""
    maps: list[CrewEntry] = [
        {
            "email": str(c["email"]),
            "role": str(c.get("role") or DECKHAND),
            "name": str(c.get("name") or c["email"]),
        }
        for c in event.get("crew_assigned") or []
        if c.get("email")
    ]
    return sorted(maps, key=lambda c: c["role"] != MASTER)


def is_assigned(event: EventMap, email: str) -> bool:
    return any(e == email for e, _ in assigned(event))


def with_assignment(event: EventMap, email: str, name: str, role: str) -> list[CrewEntry]:
    """The crew after assigning `email` as `role`: replaces that person's earlier role;
    a new master makes the old one a deckhand (at most one master)."""
    if role not in CREW_ROLES:
        raise ValueError(role)
    crew = [c for c in crew_of(event) if c["email"] != email]
    if role == MASTER:
        crew = [{**c, "role": DECKHAND} for c in crew]
    return sorted(
        [*crew, {"email": email, "role": role, "name": name}], key=lambda c: c["role"] != MASTER
    )


def without(event: EventMap, email: str) -> list[CrewEntry]:
    """The crew after taking `email` off the trip."""
    return [c for c in crew_of(event) if c["email"] != email]
