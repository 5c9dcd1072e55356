"""The crew assigned to a trip (`crew_assigned`), changed in one conditional UpdateItem:
only while the trip has not departed, and only if the crew is still what was read
(`crew_version`) (so two changes at once never lose one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from server.domain.crew_roles import CrewChange
from server.domain.records import CrewEntry, Event
from server.store.boundary import Repo
from server.store.client import get_item, update_if
from server.store.ledger import OPEN_FOR_WRITES

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

Crew = list[CrewEntry]
__all__ = ["CrewChange", "CrewWrites"]
# Assignment is open until departure (then the departure's crew aboard is the record).
_NOT_DEPARTED = f"{OPEN_FOR_WRITES} AND attribute_not_exists(departure)"
_TRIES = 5


class CrewWrites(Repo):
    """The events table's crew assignment (a mixin of EventsRepo)."""

    table: Table

    def change_crew(
        self, event_id: str, change: Callable[[Event], Crew | None]
    ) -> tuple[CrewChange, Event | None]:
        """Apply `change` (the event as read -> the new crew) in one conditional write
        that also requires the crew read to be unchanged; read again and retry when
        another change landed in between; `change` answering None writes nothing.
        Returns the outcome and the event as read."""
        for _ in range(_TRIES):
            item = cast("Event | None", get_item(self.table, {"event_id": event_id}))
            if item is None:
                return CrewChange.MISSING, None
            if "departure" in item:
                return CrewChange.DEPARTED, item
            # A counter, not the list itself: the crew as read is unchanged exactly
            # when its version is (each change adds one).
            version = item.get("crew_version")
            same = "attribute_not_exists(crew_version)" if version is None else "crew_version = :v"
            crew = change(item)
            if crew is None:  # nothing to change: no write
                return CrewChange.UNCHANGED, item
            values: dict[str, Any] = {":crew": crew, ":one": 1}
            if version is not None:
                values[":v"] = version
            if update_if(
                self.table,
                {"event_id": event_id},
                "SET crew_assigned = :crew ADD crew_version :one",
                f"{_NOT_DEPARTED} AND {same}",
                values=values,
            ):
                return CrewChange.SAVED, {**item, "crew_assigned": values[":crew"]}
        item = cast("Event | None", get_item(self.table, {"event_id": event_id}))
        if item is not None and "departure" in item:
            return CrewChange.DEPARTED, item
        return CrewChange.CLOSED, item
