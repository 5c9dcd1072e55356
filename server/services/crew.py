"""Assigning crew to a trip and taking them off it: one conditional write each (refused
once the trip has departed), every change in the audit. Used by the captain's event page
and `scc events assign|unassign`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from server.domain.crew_roles import (
    CREW_ROLES,
    ROLE_LABELS,
    CrewChange,
    is_assigned,
    with_assignment,
    without,
)
from server.domain.records import CrewEntry, Event, EventMap
from server.services.results import Refused

Crew = list[CrewEntry]


class EventsRepo(Protocol):
    def change_crew(
        self, event_id: str, change: Callable[[Event], Crew | None]
    ) -> tuple[CrewChange, Event | None]: ...


class UsersRepo(Protocol):
    def get(self, email: str) -> dict[str, Any] | None: ...


class AuditRepo(Protocol):
    def record(self, at: str, user: str, action: str, target: str, detail: str = "") -> None: ...


DEPARTED = "This trip has departed: its crew aboard is recorded, so the assignment is closed."
CLOSED = "This trip is being renamed or was moved. Nothing was saved; reload and try again."


def _refusal(outcome: CrewChange) -> Refused:
    if outcome is CrewChange.MISSING:
        return Refused.form("There is no such trip.", 404)
    return Refused.form(DEPARTED if outcome is CrewChange.DEPARTED else CLOSED, 409)


def assign(
    events: EventsRepo,
    users: UsersRepo,
    audit: AuditRepo,
    *,
    event_id: str,
    email: str,
    role: str,
    actor: str,
    now: str,
) -> Event | Refused:
    """Assign the account `email` to the trip as `role` (master or deckhand); the event
    as stored after, or Refused (nothing written)."""
    if role not in CREW_ROLES:
        return Refused({"role": "Choose master or deckhand."})
    user = users.get(email) if email else None
    if user is None or user.get("disabled"):
        return Refused({"email": "Choose an enabled crew account."})
    name = str(user.get("name") or email)
    outcome, item = events.change_crew(
        event_id, lambda event: with_assignment(event, email, name, role)
    )
    if outcome is not CrewChange.SAVED or item is None:
        return _refusal(outcome)
    audit.record(now, actor, "crew.assigned", event_id, f"{email} as {ROLE_LABELS[role].lower()}")
    return item


def unassign(
    events: EventsRepo, audit: AuditRepo, *, event_id: str, email: str, actor: str, now: str
) -> Event | Refused:
    """Take `email` off the trip; the event as stored after, or Refused."""

    def change(event: EventMap) -> Crew | None:
        return without(event, email) if is_assigned(event, email) else None

    outcome, item = events.change_crew(event_id, change)
    if outcome is CrewChange.UNCHANGED:
        return Refused({"email": f"{email or 'That account'} is not assigned to this trip."})
    if outcome is not CrewChange.SAVED or item is None:
        return _refusal(outcome)
    audit.record(now, actor, "crew.unassigned", event_id, email)
    return item
