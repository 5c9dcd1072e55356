"""In-memory fakes of the repository methods server/services/crew.py uses: the events'
`change_crew` (server/store/crew.py, the same outcomes) and the users' `get`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from server.domain.crew_roles import CrewChange
from server.domain.records import CrewEntry, Event, EventMap
from tests.helpers.fakes import FakeEvents


class FakeCrewEvents(FakeEvents):
    """`change_crew` of the events repository; `closed` ids answer CLOSED (being renamed
    or moved), as the real one does when its conditional write keeps failing."""

    def __init__(self, *events: EventMap) -> None:
        super().__init__(*events)
        self.closed: set[str] = set()
        self.writes = 0

    def change_crew(
        self, event_id: str, change: Callable[[Event], list[CrewEntry] | None]
    ) -> tuple[CrewChange, Event | None]:
        item = self.get(event_id)
        if item is None:
            return CrewChange.MISSING, None
        if "departure" in item:
            return CrewChange.DEPARTED, item
        crew = change(item)
        if crew is None:
            return CrewChange.UNCHANGED, item
        if event_id in self.closed:
            return CrewChange.CLOSED, item
        self.writes += 1
        self.items[event_id]["crew_assigned"] = copy.deepcopy(crew)
        return CrewChange.SAVED, {**item, "crew_assigned": crew}


class FakeAccounts:
    """`get` of the users repository."""

    def __init__(self, *users: dict[str, Any]) -> None:
        self.users = {str(u["email"]): copy.deepcopy(u) for u in users}

    def get(self, email: str) -> dict[str, Any] | None:
        user = self.users.get(email)
        return copy.deepcopy(user) if user is not None else None
