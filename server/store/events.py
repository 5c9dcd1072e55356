"""The events table: event items with their append-only payments list."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from server.domain.money import to_money
from server.domain.payments import Refusal, entry_bytes, why_refused
from server.store.client import (
    all_items,
    conditional,
    error_code,
    get_item,
    put_new,
    update,
    update_if,
)
from server.store.float_plans import FloatPlanWrites
from server.store.tables import BY_OUTBOX, EVENTS_BY_DATE
from server.store.totals import TOTALS_VERSION, card_echo, totals_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

log = logging.getLogger(__name__)

LISTING = "event"
# An event takes writes only while it exists, has not moved, and is not being renamed
# (`renaming_to` on the old item, `renaming_from` on the unfinished copy).
OPEN_FOR_WRITES = (
    "attribute_exists(event_id) AND attribute_not_exists(moved_to)"
    " AND attribute_not_exists(renaming_to) AND attribute_not_exists(renaming_from)"
)
# The rename may freeze an event that has not moved and is not being renamed elsewhere.
FREEZABLE = (
    "attribute_exists(event_id) AND attribute_not_exists(moved_to)"
    " AND (attribute_not_exists(renaming_to) OR renaming_to = :new)"
)


class EventExists(Exception):
    """An event with this id is already stored."""


class AppendRefused(Exception):
    """A conditional append did not happen; `reason` says why and `item` is the event
    as read right after (None when it does not exist)."""

    def __init__(self, reason: Refusal, item: dict[str, Any] | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.item = item


# The ledger's append before the totals (and a void's): answered with the whole item.
LIST_APPEND = "SET payments = list_append(if_not_exists(payments, :empty), :new)"


class EventsRepo(FloatPlanWrites):
    """The events table: event items, their payments ledger, the float plan
    (server/store/float_plans.py), and the rename's steps."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, event: dict[str, Any]) -> None:
        """Store a new event; never overwrites one (conditional put)."""
        item = {"payments": [], **event, "listing": LISTING, "starts_at": starts_at(event)}
        item.update(totals_of(item))  # an event starts with true totals (server/store/totals.py)
        if not put_new(self.table, item, "event_id"):
            raise EventExists(event["event_id"])

    def get(self, event_id: str) -> dict[str, Any] | None:
        """The event as stored now (a consistent read), or None."""
        return get_item(self.table, {"event_id": event_id})

    def upcoming(self, from_day: str) -> list[dict[str, Any]]:
        """Every listed event on or after `from_day` (YYYY-MM-DD), earliest first."""
        condition = Key("listing").eq(LISTING) & Key("starts_at").gte(from_day)
        return all_items(
            self.table.query, IndexName=EVENTS_BY_DATE, KeyConditionExpression=condition
        )

    def board(self, since: str, whole_before: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The dispatch board's read: listed events from `since`, earliest first, every
        one before `whole_before` (YYYY-MM-DD) and up to `limit` more; True when more may
        follow. One Query of at most `limit` items, unless the days before `whole_before`
        hold more than that: then their rest in one more (paginated) and `limit` after."""
        listed = Key("listing").eq(LISTING)
        query: dict[str, Any] = {"IndexName": EVENTS_BY_DATE, "Limit": limit}
        page = self.table.query(
            KeyConditionExpression=listed & Key("starts_at").gte(since), **query
        )
        items, last = page.get("Items", []), page.get("LastEvaluatedKey")
        if last is None or str(last["starts_at"]) >= whole_before:
            return items, last is not None
        items += all_items(
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
        return items + page.get("Items", []), "LastEvaluatedKey" in page

    def past(self, before_day: str, limit: int = 200) -> list[dict[str, Any]]:
        """Listed events before `before_day`, most recent first, at most `limit`."""
        condition = Key("listing").eq(LISTING) & Key("starts_at").lt(before_day)
        return all_items(
            self.table.query,
            limit=limit,
            IndexName=EVENTS_BY_DATE,
            KeyConditionExpression=condition,
            ScanIndexForward=False,
        )

    def scan_all(self) -> list[dict[str, Any]]:
        """Every item in the table, stubs and unlisted legacy items included (reports and
        the id lint: admin-only, so a paginated scan is fine)."""
        return all_items(self.table.scan)

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

    def append_payment(
        self, event_id: str, entry: dict[str, Any], cap: int, max_bytes: int
    ) -> dict[str, Any]:
        """Append one payment in ONE conditional UpdateItem: the event must exist, be
        open, stay within `cap` entries and `max_bytes` of ledger, and not already hold
        this payment_id. The same write ADDs the amount to the totals and marks the
        payment email owed.
        Returns what the card needs, not the ledger: the card's fields and the totals
        after this payment (ReturnValues UPDATED_NEW; server/store/totals.py). An item
        written before the totals (no `totals` marker) is appended the old way and
        answered whole. Raises AppendRefused (after one consistent read to say why)
        when the condition fails."""
        size = entry_bytes(entry)
        open_ = (
            OPEN_FOR_WRITES + " AND NOT contains(payment_ids, :id)"
            " AND (attribute_not_exists(#status) OR #status <> :cancelled)"
        )
        values: dict[str, Any] = {":cancelled": "cancelled", ":owed": "owed"}
        names = {"#status": "status"}
        # The payment email is owed from the same write: no crash can lose it.
        owed = (", outbox = :owed", ", notices_owed :id_set")
        for _ in range(3):
            echo, echo_names, echo_values = card_echo()
            fast = self._write(
                event_id,
                entry,
                size,
                cap=cap,
                max_bytes=max_bytes,
                append=f"SET payments[{cap}] = :entry, {echo}" + owed[0],
                add=", paid_total :amount, payment_count :one" + owed[1],
                condition=open_ + " AND attribute_exists(totals)",
                values={**values, **echo_values, ":amount": entry["amount"], ":one": 1},
                names={**names, **echo_names},
                answer="UPDATED_NEW",
            )
            if fast is not None:
                answer = {k: v for k, v in fast.items() if k not in ("payments", "payment_ids")}
                answer.update(event_id=event_id, totals=TOTALS_VERSION, appended=entry)
                return answer
            item = self.get(event_id)
            reason = why_refused(item, entry["payment_id"], entry, cap, max_bytes - size)
            if item is None or "totals" in item or reason is not Refusal.CONFLICT:
                raise AppendRefused(reason, item)
            # Written before the totals: the whole-ledger append, while still unmarked.
            legacy = self._write(
                event_id,
                entry,
                size,
                cap=cap,
                max_bytes=max_bytes,
                append=LIST_APPEND + owed[0],
                add=owed[1],
                condition=open_ + " AND attribute_not_exists(totals)",
                values=values,
                names=names,
                answer="ALL_NEW",
            )
            if legacy is not None:
                return legacy
        item = self.get(event_id)
        raise AppendRefused(
            why_refused(item, entry["payment_id"], entry, cap, max_bytes - size), item
        )

    def append_void(
        self, event_id: str, entry: dict[str, Any], cap: int, max_bytes: int
    ) -> dict[str, Any]:
        """Append a void of `entry["voids"]`: that payment must be stored and not yet
        voided; the void's own payment_id makes the request idempotent. The payment's
        amount comes off the totals in the same write: it is read first (voids are rare),
        and the write holds only if that entry is still where it was read (entries never
        change; the condition makes the read safe to act on)."""
        size = entry_bytes(entry)
        target = entry["voids"]
        for _ in range(3):
            item = self.get(event_id) or {}
            found = next(
                (
                    (i, p)
                    for i, p in enumerate(item.get("payments", []))
                    if p.get("payment_id") == target and p.get("kind", "payment") == "payment"
                ),
                None,
            )
            condition = (
                OPEN_FOR_WRITES + " AND NOT contains(payment_ids, :id)"
                " AND contains(payment_ids, :target) AND NOT contains(voided_ids, :target)"
            )
            values: dict[str, Any] = {":target": target, ":target_set": {target}}
            add = ", voided_ids :target_set"
            if found is not None:
                condition += f" AND payments[{found[0]}].payment_id = :target"
            if found is not None and "totals" in item:
                condition += " AND attribute_exists(totals)"
                add += ", paid_total :minus, payment_count :less"
                values.update({":minus": -to_money(found[1].get("amount", 0)), ":less": -1})
            else:
                condition += " AND attribute_not_exists(totals)"
            written = self._write(
                event_id,
                entry,
                size,
                cap=cap,
                max_bytes=max_bytes,
                append=LIST_APPEND,
                add=add,
                condition=condition,
                values=values,
                names={},
                answer="ALL_NEW",
            )
            if written is not None:
                return written
            after = self.get(event_id)
            reason = why_refused(after, entry["payment_id"], entry, cap, max_bytes - size)
            if reason is not Refusal.CONFLICT:
                raise AppendRefused(reason, after)
        raise AppendRefused(Refusal.CONFLICT, self.get(event_id))

    def _write(
        self,
        event_id: str,
        entry: dict[str, Any],
        size: int,
        *,
        cap: int,
        max_bytes: int,
        append: str,
        add: str,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str],
        answer: str,
    ) -> dict[str, Any] | None:
        """The one conditional ledger append behind `append_payment` and `append_void`:
        its answer's attributes, or None when the condition did not hold."""
        payment_id = entry["payment_id"]
        kwargs: dict[str, Any] = {
            "Key": {"event_id": event_id},
            "UpdateExpression": append + " ADD payment_ids :id_set, ledger_bytes :size" + add,
            "ConditionExpression": condition
            + " AND (attribute_not_exists(payments) OR size(payments) < :cap)"
            " AND (attribute_not_exists(ledger_bytes) OR ledger_bytes <= :room)",
            "ExpressionAttributeValues": {
                ":new": [entry],
                ":entry": entry,
                ":id_set": {payment_id},
                ":id": payment_id,
                ":size": size,
                ":cap": cap,
                ":room": max_bytes - size,
                **values,
            },
            "ReturnValues": answer,
        }
        if "list_append" in append:
            kwargs["ExpressionAttributeValues"][":empty"] = []
        else:
            del kwargs["ExpressionAttributeValues"][":new"]
        if ":entry" not in append:
            del kwargs["ExpressionAttributeValues"][":entry"]
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            response = conditional(lambda: self.table.update_item(**kwargs))
        except ClientError as exc:
            log.error("append to %s failed: %s", event_id, error_code(exc))
            raise
        if response is None:
            return None
        attributes: dict[str, Any] = response.get("Attributes", {})
        return attributes

    # --- the rename's steps (server/store/rename.py runs them in order) -------------

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

    def put_renamed_copy(self, copy: dict[str, Any]) -> bool:
        """Put the unfinished copy (see `renamed_copy`); False when another item holds
        its id, one that is not an unfinished copy of the same event."""
        put = conditional(
            lambda: self.table.put_item(
                Item=copy,
                ConditionExpression="attribute_not_exists(event_id) OR renaming_from = :old",
                ExpressionAttributeValues={":old": copy["renaming_from"]},
            )
        )
        return put is not None

    def open_renamed_copy(self, copy: dict[str, Any]) -> bool:
        """List the copy and open it for writes; False when that was done already."""
        expression = "SET listing = :listing, starts_at = :starts REMOVE renaming_from"
        values = {":listing": LISTING, ":starts": starts_at(copy), ":old": copy["renaming_from"]}
        return self._update_if(copy["event_id"], expression, "renaming_from = :old", values)

    def leave_redirect_stub(self, old: str, new: str) -> bool:
        """Turn the frozen `old` into a stub pointing at `new`, out of the listings;
        False when that was done already."""
        expression = "SET moved_to = :new REMOVE renaming_to, listing"
        return self._update_if(old, expression, "renaming_to = :new", {":new": new})


def renamed_copy(item: dict[str, Any], new: str) -> dict[str, Any]:
    """The frozen event `item` as it is first stored under `new`: payments and all,
    marked `renaming_from` (closed to writes) and not yet listed."""
    old = item["event_id"]
    copy = {k: v for k, v in item.items() if k not in ("renaming_to", "listing", "starts_at")}
    copy.update(event_id=new, date=new[:10], renamed_from=old, renaming_from=old)
    return copy


def starts_at(event: dict[str, Any]) -> str:
    """The index sort key: date and start time, so the dashboard lists in trip order."""
    return f"{event['date']}T{event.get('start_time') or ''}"
