"""The float plan's writes on the event item (mixed into EventsRepo: one repository
per table). Each is ONE conditional UpdateItem that also marks its email owed
(`notices_owed` + `outbox = "owed"`, as a payment does), so no crash between the write
and the send can lose the email, and a replay adds no second mark."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from server.domain.float_plan import BACK, FLOAT, LATE, OVERDUE, UNDO_BACK, notice_ref
from server.domain.float_plan import TripWriteRefused as TripWriteRefused
from server.domain.records import DepartureMap, Event
from server.store.boundary import Repo
from server.store.client import conditional, get_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_OPEN = (
    "attribute_exists(event_id) AND attribute_not_exists(moved_to)"
    " AND attribute_not_exists(renaming_to) AND attribute_not_exists(renaming_from)"
)
_OUT = "departure.departure_id = :dep AND attribute_not_exists(returned_at)"


class FloatPlanWrites(Repo):
    """Depart, running late, back at the dock, overdue: the trip's float plan."""

    table: Table

    def _owed_write(
        self,
        event_id: str,
        sets: str,
        condition: str,
        values: dict[str, Any],
        ref: str,
        removes: str = "",
    ) -> Event | None:
        """One UpdateItem that also marks `ref` owed; the new item, or None when the
        condition did not hold."""
        request: dict[str, Any] = {
            "Key": {"event_id": event_id},
            "UpdateExpression": f"SET {sets}, outbox = :owed"
            + (f" REMOVE {removes}" if removes else "")
            + " ADD notices_owed :refs",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {**values, ":owed": "owed", ":refs": {ref}},
            "ReturnValues": "ALL_NEW",
        }
        if "#status" in condition:
            request["ExpressionAttributeNames"] = {"#status": "status"}
        response = conditional(lambda: self.table.update_item(**request))
        if response is None:
            return None
        return cast("Event", response["Attributes"])

    def _read(self, event_id: str) -> Event | None:
        return cast("Event | None", get_item(self.table, {"event_id": event_id}))

    def depart(self, event_id: str, departure: DepartureMap) -> tuple[Event, bool]:
        """Record the departure once; (the event, True) the first time, (the event,
        False) for a replay of the same departure_id. TripWriteRefused otherwise
        (departed already under another id, cancelled, gone)."""
        departure_id = str(departure["departure_id"])
        item = self._owed_write(
            event_id,
            "departure = :departure",
            _OPEN + " AND attribute_not_exists(departure)"
            " AND (attribute_not_exists(#status) OR #status <> :cancelled)",
            {":departure": departure, ":cancelled": "cancelled"},
            notice_ref(FLOAT, departure_id),
        )
        if item is not None:
            return item, True
        return self._replayed(event_id, departure_id, lambda _: True), False

    def run_late(
        self, event_id: str, departure_id: str, seen_back: str, new_back: str, now: str
    ) -> tuple[Event, bool]:
        """Move the expected return from `seen_back` (what the phone showed) to
        `new_back`; clears an overdue mark. A second tap from the same page is answered
        like the first: the return has moved already, so nothing moves twice."""
        item = self._owed_write(
            event_id,
            "departure.expected_back = :new, departure.extended_at = :now",
            _OUT + " AND departure.expected_back = :seen",
            {":dep": departure_id, ":seen": seen_back, ":new": new_back, ":now": now},
            notice_ref(LATE, departure_id, new_back),
            removes="overdue_at",
        )
        if item is not None:
            return item, True
        # Moved already (this tap's twin, or another phone's): answered with where it is.
        moved = lambda i: i["departure"].get("expected_back") != seen_back  # noqa: E731
        return self._replayed(event_id, departure_id, moved), False

    def mark_back(self, event_id: str, departure_id: str, by: str, now: str) -> tuple[Event, bool]:
        """Back at the dock, once; a replay answers like the first. The email's ref
        names the back time, so a Back after an Undo is news of its own."""
        item = self._owed_write(
            event_id,
            "returned_at = :now, returned_by = :by",
            _OUT,
            {":dep": departure_id, ":now": now, ":by": by},
            notice_ref(BACK, departure_id, now),
        )
        if item is not None:
            return item, True
        return self._replayed(event_id, departure_id, lambda i: "returned_at" in i), False

    def undo_back(
        self, event_id: str, departure_id: str, seen: str, cutoff: str, now: str
    ) -> tuple[Event, bool]:
        """Take back Back at the dock saved at `seen`, if that is no earlier than
        `cutoff` (the undo window, decided in this one write): the trip is out again
        with its float plan and alarm, and "not back after all" is owed (sent only if
        the back email went out). A replay answers like the first."""
        item = self._owed_write(
            event_id,
            "back_undone_of = :seen, back_undone_at = :now",
            "departure.departure_id = :dep AND returned_at = :seen AND returned_at >= :cutoff",
            {":dep": departure_id, ":seen": seen, ":cutoff": cutoff, ":now": now},
            notice_ref(UNDO_BACK, departure_id, seen),
            removes="returned_at, returned_by",
        )
        if item is not None:
            return item, True
        undone = lambda i: "returned_at" not in i and i.get("back_undone_of") == seen  # noqa: E731
        return self._replayed(event_id, departure_id, undone), False

    def mark_overdue(self, event_id: str, departure_id: str, expected_back: str, now: str) -> bool:
        """Mark the trip overdue once for this expected return (the sweep judged it on
        `expected_back`: an extension in between wins). False when it did not apply."""
        item = self._owed_write(
            event_id,
            "overdue_at = :now",
            _OUT + " AND departure.expected_back = :seen AND attribute_not_exists(overdue_at)",
            {":dep": departure_id, ":seen": expected_back, ":now": now},
            notice_ref(OVERDUE, departure_id, expected_back),
        )
        return item is not None

    def _replayed(self, event_id: str, departure_id: str, done: Any) -> Event:
        item = self._read(event_id)
        departure = item.get("departure") if item is not None else None
        if (
            item is not None
            and departure
            and departure.get("departure_id") == departure_id
            and done(item)
        ):
            return item
        raise TripWriteRefused(item)
