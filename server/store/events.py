"""The events table: event items with their append-only payments list."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import Key

from server.domain.payments import AppendRefused as AppendRefused
from server.domain.records import Event, EventMap
from server.store.client import (
    all_items,
    conditional,
    get_item,
    put_new,
    update,
    update_if,
)
from server.store.crew import CrewWrites
from server.store.float_plans import FloatPlanWrites
from server.store.ledger import OPEN_FOR_WRITES, LedgerWrites
from server.store.tables import BY_OUTBOX, EVENTS_BY_DATE
from server.store.totals import totals_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

log = logging.getLogger(__name__)

LISTING = "event"
# The rename may freeze an event that has not moved and is not being renamed elsewhere.
FREEZABLE = (
    "attribute_exists(event_id) AND attribute_not_exists(moved_to)"
    " AND (attribute_not_exists(renaming_to) OR renaming_to = :new)"
)


class EventExists(Exception):
    """An event with this id is already stored."""


class EventsRepo(CrewWrites, FloatPlanWrites, LedgerWrites):
    """The events table: event items, their payments ledger, the float plan
    (server/store/float_plans.py), and the rename's steps."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, event: EventMap) -> None:
        """Store a new event; never overwrites one (conditional put)."""
        fields = {"payments": [], **event, "listing": LISTING, "starts_at": starts_at(event)}
        item = cast("Event", fields)
        item = {**item, **totals_of(item)}  # true totals from the start (server/store/totals.py)
        if not put_new(self.table, item, "event_id"):
            raise EventExists(event["event_id"])

    def get(self, event_id: str) -> Event | None:
        """The event as stored now (a consistent read), or None."""
        return cast("Event | None", get_item(self.table, {"event_id": event_id}))

    def upcoming(self, from_day: str) -> list[Event]:
        """Every listed event on or after `from_day` (YYYY-MM-DD), earliest first."""
        condition = Key("listing").eq(LISTING) & Key("starts_at").gte(from_day)
        return _as_events(
            self.table.query, IndexName=EVENTS_BY_DATE, KeyConditionExpression=condition
        )

    def on_day(self, day: str) -> list[Event]:
        """Every listed event on `day` (YYYY-MM-DD), in trip order."""
        condition = Key("listing").eq(LISTING) & Key("starts_at").begins_with(day)
        return _as_events(
            self.table.query, IndexName=EVENTS_BY_DATE, KeyConditionExpression=condition
        )

    def board(self, since: str, whole_before: str, limit: int) -> tuple[list[Event], bool]:
        """The dispatch board's read: listed events from `since`, earliest first, every
        one before `whole_before` (YYYY-MM-DD) and up to `limit` more; True when more may
        follow. One Query of at most `limit` items, unless the days before `whole_before`
        hold more than that: then their rest in one more (paginated) and `limit` after."""
        listed = Key("listing").eq(LISTING)
        query: dict[str, Any] = {"IndexName": EVENTS_BY_DATE, "Limit": limit}
        page = self.table.query(
            KeyConditionExpression=listed & Key("starts_at").gte(since), **query
        )
        items = cast("list[Event]", page.get("Items", []))
        last = page.get("LastEvaluatedKey")
        if last is None or str(last["starts_at"]) >= whole_before:
            return items, last is not None
        items += _as_events(
            self.table.query,
            IndexName=EVENTS_BY_DATE,
            KeyConditionExpression=listed & Key("starts_at").between(since, whole_before),
            ExclusiveStartKey=last,
        )
        last = {k: items[-1][k] for k in ("listing", "starts_at", "event_id")}
        page = self.table.query(
            KeyConditionExpression=listed & Key("starts_at").gte(since),
            ExclusiveStartKey=last,
            **query,
        )
        return items + cast("list[Event]", page.get("Items", [])), "LastEvaluatedKey" in page

    def past(self, before_day: str, limit: int = 200) -> list[Event]:
        """Listed events before `before_day`, most recent first, at most `limit`."""
        condition = Key("listing").eq(LISTING) & Key("starts_at").lt(before_day)
        return _as_events(
            self.table.query,
            limit=limit,
            IndexName=EVENTS_BY_DATE,
            KeyConditionExpression=condition,
            ScanIndexForward=False,
        )

    def scan_all(self) -> list[Event]:
        """Every item in the table, stubs and unlisted legacy items included (reports and
        the id lint: admin-only, so a paginated scan is fine)."""
        return _as_events(self.table.scan)

    def update_details(self, event_id: str, details: dict[str, Any]) -> bool:
        """Change the editable fields in one targeted UpdateItem: the payments list is
        never read or written, so a payment logged at the same moment is kept. None
        removes a field. False when the event cannot be edited (gone, moved, renaming)."""
        sets = ["starts_at = :starts_at"]
        removes = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":starts_at": f"{event_id[:10]}T{details.get('start_time') or ''}"
        }
        for i, (name, value) in enumerate(sorted(details.items())):
            names[f"#f{i}"] = name
            if value is None:
                removes.append(f"#f{i}")
            else:
                sets.append(f"#f{i} = :v{i}")
                values[f":v{i}"] = value
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return self._update_if(event_id, expression, OPEN_FOR_WRITES, values, names)

    def set_tip_shares(self, event_id: str, shares: dict[str, Any]) -> bool:
        """The trip's own tip-split weights by crew email (issue 27); empty removes them
        (the role defaults apply). False when the event cannot be edited."""
        if not shares:
            return self._update_if(event_id, "REMOVE tip_shares", OPEN_FOR_WRITES)
        values = {":shares": shares}
        return self._update_if(event_id, "SET tip_shares = :shares", OPEN_FOR_WRITES, values)

    def set_status(self, event_id: str, status: str) -> bool:
        """Set `status` (scheduled, cancelled); False when the event cannot be edited."""
        values = {":status": status}
        return self._update_if(
            event_id, "SET #status = :status", OPEN_FOR_WRITES, values, {"#status": "status"}
        )

    def _update_if(
        self,
        event_id: str,
        expression: str,
        condition: str,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> bool:
        """One UpdateItem of an event that happens only if `condition` holds."""
        key = {"event_id": event_id}
        return update_if(self.table, key, expression, condition, values=values, names=names)

    def owing_notices(self) -> list[str]:
        """Ids of events marked as owing an email (a payment's or the float plan's;
        sparse index, keys only)."""
        owing = all_items(
            self.table.query, IndexName=BY_OUTBOX, KeyConditionExpression=Key("outbox").eq("owed")
        )
        return [str(item["event_id"]) for item in owing]

    def clear_notices(self, event_id: str, payment_ids: set[str]) -> None:
        """Take refs off the owed set (their outbox items now exist), dropping the index
        marker when nothing else is owed: one conditional UpdateItem when they were all
        that was owed, else two steps, so a payment logged in between keeps its marker."""
        if self._update_if(
            event_id,
            "REMOVE notices_owed, outbox",
            "notices_owed = :ids",
            {":ids": payment_ids},
        ):
            return
        self.table.update_item(
            Key={"event_id": event_id},
            UpdateExpression="DELETE notices_owed :ids",
            ExpressionAttributeValues={":ids": payment_ids},
        )
        self._update_if(event_id, "REMOVE outbox", "attribute_not_exists(notices_owed)")

    def any_exist(self) -> bool:
        """True when the table holds at least one item (a one-item scan)."""
        return bool(self.table.scan(Limit=1, ProjectionExpression="event_id").get("Items"))

    def freeze_for_rename(self, old: str, new: str) -> bool:
        """Close `old` to writes while it moves to `new`; False when it has moved or
        is being renamed to another id."""
        return self._update_if(old, "SET renaming_to = :new", FREEZABLE, {":new": new})

    def unfreeze(self, old: str, new: str) -> None:
        """Give `old` back its writes after a rename to `new` that cannot go on."""
        update(
            self.table,
            {"event_id": old},
            "REMOVE renaming_to",
            "renaming_to = :new",
            values={":new": new},
        )

    def put_renamed_copy(self, copy: EventMap) -> bool:
        """Put the unfinished copy (see `renamed_copy`); False when another item holds
        its id, one that is not an unfinished copy of the same event."""
        put = conditional(
            lambda: self.table.put_item(
                Item=cast("dict[str, Any]", copy),
                ConditionExpression="attribute_not_exists(event_id) OR renaming_from = :old",
                ExpressionAttributeValues={":old": copy["renaming_from"]},
            )
        )
        return put is not None

    def open_renamed_copy(self, copy: EventMap) -> bool:
        """List the copy and open it for writes; False when that was done already."""
        expression = "SET listing = :listing, starts_at = :starts REMOVE renaming_from"
        values = {":listing": LISTING, ":starts": starts_at(copy), ":old": copy["renaming_from"]}
        return self._update_if(copy["event_id"], expression, "renaming_from = :old", values)

    def leave_redirect_stub(self, old: str, new: str) -> bool:
        """Turn the frozen `old` into a stub pointing at `new`, out of the listings;
        False when that was done already."""
        expression = "SET moved_to = :new REMOVE renaming_to, listing"
        return self._update_if(old, expression, "renaming_to = :new", {":new": new})


def renamed_copy(item: EventMap, new: str) -> Event:
    """The frozen event `item` as it is first stored under `new`: payments and all,
    marked `renaming_from` (closed to writes) and not yet listed."""
    old = item["event_id"]
    left = ("renaming_to", "listing", "starts_at")
    copy = cast("Event", {k: v for k, v in item.items() if k not in left})
    copy.update({"event_id": new, "date": new[:10], "renamed_from": old, "renaming_from": old})
    return copy


def starts_at(event: EventMap) -> str:
    """The index sort key: date and start time, so the dashboard lists in trip order."""
    return f"{event['date']}T{event.get('start_time') or ''}"


def _as_events(operation: Any, **kwargs: Any) -> list[Event]:
    """Every item of a Query or Scan of the events table, as events."""
    return cast("list[Event]", all_items(operation, **kwargs))
