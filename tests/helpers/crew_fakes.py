"""In-memory fakes of the repository methods server/services/crew.py uses: the events'
`change_crew` (server/store/crew.py, the same outcomes) and the users' `get`, held to the
real ones on dynalite by tests/integration/test_crew_contract.py."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from server.domain.crew_roles import CrewChange
from server.domain.records import CrewEntry, Event, EventMap
from tests.helpers.fakes import FakeEvents

# The conditional write's tries before a trip that keeps changing is CLOSED (as the real).
TRIES = 5


class FakeCrewEvents(FakeEvents):
    """`change_crew` of the events repository, with the real one's condition: the trip
    open for writes (not moved, not being renamed), not departed, and its crew still the
    one read (`crew_version`, one more per change); a write whose condition fails is
    read and tried again, so a change landing in between is never lost.
    tests/integration/test_crew_contract.py holds it to server/store/crew.py."""

    def __init__(self, *events: EventMap) -> None:
        super().__init__(*events)
        self.writes = 0  # changes written

    def change_crew(
        self, event_id: str, change: Callable[[Event], list[CrewEntry] | None]
    ) -> tuple[CrewChange, Event | None]:
        for _ in range(TRIES):
            item = self.get(event_id)
            if item is None:
                return CrewChange.MISSING, None
            if "departure" in item:
                return CrewChange.DEPARTED, item
            crew = change(item)
            if crew is None:
                return CrewChange.UNCHANGED, item
            stored = self.items.get(event_id)
            if stored is None or not _writable(stored, item.get("crew_version")):
                continue  # the condition failed: read again
            stored["crew_assigned"] = copy.deepcopy(crew)
            stored["crew_version"] = stored.get("crew_version", 0) + 1
            self.writes += 1
            return CrewChange.SAVED, {**item, "crew_assigned": crew}
        item = self.get(event_id)
        if item is not None and "departure" in item:
            return CrewChange.DEPARTED, item
        return CrewChange.CLOSED, item


def _writable(stored: dict[str, Any], version: Any) -> bool:
    """The real write's condition: open for writes, not departed, the crew as read."""
    closed = ("moved_to", "renaming_to", "renaming_from", "departure")
    return not any(k in stored for k in closed) and stored.get("crew_version") == version


class FakeAccounts:
    """`get` of the users repository."""

    def __init__(self, *users: dict[str, Any]) -> None:
        self.users = {str(u["email"]): copy.deepcopy(u) for u in users}

    def get(self, email: str) -> dict[str, Any] | None:
        user = self.users.get(email)
        return copy.deepcopy(user) if user is not None else None
