"""The events table's ledger writes: a payment or a void appended to the event's
append-only `payments` list in one conditional UpdateItem, with the card's totals kept
by the same write (server/store/totals.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from server.domain.money import to_money
from server.domain.online import refund_split
from server.domain.payments import AppendRefused, Refusal, entry_bytes, why_refused
from server.domain.records import EntryMap, Event, LedgerEntry
from server.store.boundary import Repo
from server.store.client import (
    conditional,
    error_code,
)
from server.store.totals import TOTALS_VERSION, card_echo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

log = logging.getLogger(__name__)

# An event takes writes only while it exists, has not moved, and is not being renamed
# (`renaming_to` on the old item, `renaming_from` on the unfinished copy).
OPEN_FOR_WRITES = (
    "attribute_exists(event_id) AND attribute_not_exists(moved_to)"
    " AND attribute_not_exists(renaming_to) AND attribute_not_exists(renaming_from)"
)


# The ledger's append before the totals (and a void's): answered with the whole item.
LIST_APPEND = "SET payments = list_append(if_not_exists(payments, :empty), :new)"


class LedgerWrites(Repo):
    """The payments ledger of the events table (a part of `EventsRepo`)."""

    table: Table

    def get(self, event_id: str) -> Event | None:
        raise NotImplementedError  # EventsRepo's

    def append_payment(
        self,
        event_id: str,
        entry: EntryMap,
        cap: int,
        max_bytes: int,
        *,
        accept_cancelled: bool = False,
    ) -> Event:
        """Append one payment in ONE conditional UpdateItem: the event must exist, be
        open, stay within `cap` entries and `max_bytes` of ledger, and not already hold
        this payment_id. The same write ADDs the amount (and the tip, to `tips_total`)
        to the totals and marks the payment email owed.
        Returns what the card needs, not the ledger: the card's fields and the totals
        after this payment (ReturnValues UPDATED_NEW; server/store/totals.py). An item
        written before the totals (no `totals` marker) is appended the old way and
        answered whole. Raises AppendRefused (after one consistent read to say why)
        when the condition fails. `accept_cancelled`: an online payment Stripe already
        took is recorded on a cancelled trip too (the money was taken)."""
        size = entry_bytes(entry)
        open_ = OPEN_FOR_WRITES + " AND NOT contains(payment_ids, :id)"
        values: dict[str, Any] = {":owed": "owed"}
        names: dict[str, str] = {}
        if not accept_cancelled:
            open_ += " AND (attribute_not_exists(#status) OR #status <> :cancelled)"
            values[":cancelled"] = "cancelled"
            names["#status"] = "status"
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
                add=", paid_total :amount, tips_total :tip, payment_count :one" + owed[1],
                condition=open_ + " AND attribute_exists(totals)",
                values={
                    **values,
                    **echo_values,
                    ":amount": entry["amount"],
                    ":tip": to_money(entry.get("tip", 0)),
                    ":one": 1,
                },
                names={**names, **echo_names},
                answer="UPDATED_NEW",
            )
            if fast is not None:
                left = ("payments", "payment_ids")
                answer = cast("Event", {k: v for k, v in fast.items() if k not in left})
                answer.update(
                    {
                        "event_id": event_id,
                        "totals": TOTALS_VERSION,
                        "appended": cast("LedgerEntry", entry),
                    }
                )
                return answer
            item = self.get(event_id)
            seen: Event | None = {**item, "status": ""} if item and accept_cancelled else item
            reason = why_refused(seen, entry["payment_id"], entry, cap, max_bytes - size)
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

    def append_void(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        """Append a void of `entry["voids"]`: that payment must be stored, not yet voided
        and not itself a void (`void_ids`: the ids of the voids); the void's own
        payment_id makes the request idempotent. The payment's amount (and its tip)
        comes off the totals in the same write: it is read first (voids are rare), and
        the write holds only if that entry is still where it was read (entries never
        change; the condition makes the read safe to act on)."""
        size = entry_bytes(entry)
        target = entry["voids"]
        for _ in range(3):
            item: Event | dict[str, Any] = self.get(event_id) or {}
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
                " AND NOT contains(void_ids, :target)"
            )
            values: dict[str, Any] = {":target": target, ":target_set": {target}}
            add = ", voided_ids :target_set, void_ids :id_set"
            if found is not None:
                condition += f" AND payments[{found[0]}].payment_id = :target"
            if found is not None and "totals" in item:
                condition += " AND attribute_exists(totals)"
                add += ", paid_total :minus, tips_total :minus_tip, payment_count :less"
                values.update(
                    {
                        ":minus": -to_money(found[1].get("amount", 0)),
                        ":minus_tip": -to_money(found[1].get("tip", 0)),
                        ":less": -1,
                    }
                )
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

    def append_refund(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        """Append an online refund of `entry["refunds"]` (that payment must be stored):
        its own payment_id (from the Stripe refund id) makes it once per refund. What
        Stripe gave back (`entry["amount"]`) is split into fare and tip against the
        payment and its refunds as read (`refund_split`), and comes off `paid_total` and
        `tips_total` in the same write, which holds only while the ledger is as read (no
        other refund of it can slip in between). A cancelled trip takes it (refunding is
        what a cancelled trip's payment is for)."""
        refunded = to_money(entry["amount"])
        for _ in range(3):
            item: Event | dict[str, Any] = self.get(event_id) or {}
            stored = item.get("payments", [])
            paid: Mapping[str, Any] = next(
                (p for p in stored if p.get("payment_id") == entry["refunds"]), {}
            )
            fare, tip = refund_split(paid, stored, refunded)
            split = {**entry, "amount": fare, "tip": tip}
            size = entry_bytes(split)
            condition = (
                OPEN_FOR_WRITES + " AND NOT contains(payment_ids, :id)"
                " AND contains(payment_ids, :target) AND size(payments) = :read"
            )
            values: dict[str, Any] = {":target": entry["refunds"], ":read": len(stored)}
            add = ""
            if "totals" in item:
                condition += " AND attribute_exists(totals)"
                add = ", paid_total :minus, tips_total :minus_tip"
                values.update({":minus": -fare, ":minus_tip": -tip})
            else:
                condition += " AND attribute_not_exists(totals)"
            written = self._write(
                event_id,
                split,
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
            probe: dict[str, Any] = {**entry, "voids": entry["refunds"]}
            reason = why_refused(after, entry["payment_id"], probe, cap, max_bytes - size)
            if reason in (Refusal.NOT_A_PAYMENT, Refusal.ALREADY_VOIDED):
                reason = Refusal.CONFLICT  # (a void's reasons: not a refund's)
            if reason is not Refusal.CONFLICT:
                raise AppendRefused(reason, after)
        raise AppendRefused(Refusal.CONFLICT, self.get(event_id))

    def _write(
        self,
        event_id: str,
        entry: EntryMap,
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
    ) -> Event | None:
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
        return cast("Event", response.get("Attributes", {}))

    # --- the rename's steps (server/store/rename.py runs them in order) -------------
