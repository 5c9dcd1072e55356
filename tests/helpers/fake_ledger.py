"""An in-memory events repository for the ledger workflows' unit tests: the methods of
`EventsRepo` that `server/services/payments.py` uses (its `Ledger` protocol), plus
`create` and `set_status` to arrange a trip. Every write applies the same condition as
the real one, all at once, and stores values as DynamoDB would hand them back (numbers
as Decimal, sets as sets). tests/integration/test_ledger_contract.py runs one script
against this fake and against dynalite and requires the same answers."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from server.domain.money import to_money
from server.domain.online import refund_split
from server.domain.payments import AppendRefused, entry_bytes, why_refused
from server.domain.records import EntryMap, Event, EventMap
from server.store.events import LISTING, EventExists, starts_at
from server.store.totals import CARD_FIELDS, TOTALS_VERSION, totals_of

_TO, _FROM = TypeSerializer(), TypeDeserializer()


def _as_stored(item: Mapping[str, Any]) -> dict[str, Any]:
    """`item` as DynamoDB stores and answers it."""
    return {k: _FROM.deserialize(_TO.serialize(v)) for k, v in item.items()}


class FakeLedger:
    """The events table's ledger writes, in memory."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.writes = 0  # conditional writes that took effect

    # --- arranging ---------------------------------------------------------------
    def create(self, event: EventMap) -> None:
        if event["event_id"] in self.items:
            raise EventExists(event["event_id"])
        item = {"payments": [], **event, "listing": LISTING, "starts_at": starts_at(event)}
        item.update(totals_of(item))
        self.items[event["event_id"]] = _as_stored(item)

    def set_status(self, event_id: str, status: str) -> bool:
        item = self.items.get(event_id)
        if item is None or _frozen(item):
            return False
        item["status"] = status
        return True

    # --- the Ledger protocol -------------------------------------------------------
    def get(self, event_id: str) -> Event | None:
        item = self.items.get(event_id)
        return cast("Event", copy.deepcopy(item)) if item is not None else None

    def append_payment(
        self,
        event_id: str,
        entry: EntryMap,
        cap: int,
        max_bytes: int,
        *,
        accept_cancelled: bool = False,
    ) -> Event:
        item = self.items.get(event_id)
        size = entry_bytes(entry)
        pid = entry["payment_id"]
        if (
            item is None
            or _frozen(item)
            or pid in item.get("payment_ids", set())
            or (item.get("status") == "cancelled" and not accept_cancelled)
            or not _room(item, cap, max_bytes - size)
        ):
            seen = self.get(event_id)
            if seen is not None and accept_cancelled:
                seen["status"] = ""
            refusal = why_refused(seen, pid, entry, cap, max_bytes - size)
            raise AppendRefused(refusal, self.get(event_id))
        self._append(item, entry, size)
        item["outbox"] = "owed"
        item.setdefault("notices_owed", set()).add(pid)
        if "totals" not in item:  # an item from before the totals: answered whole
            return cast("Event", copy.deepcopy(item))
        item["paid_total"] += entry["amount"]
        # ADD on a missing attribute starts from 0 (an item marked before tips were kept).
        item["tips_total"] = item.get("tips_total", Decimal(0)) + to_money(entry.get("tip", 0))
        item["payment_count"] += 1
        for name, blank in CARD_FIELDS.items():
            item.setdefault(name, blank)
        names = [*CARD_FIELDS, "outbox", "notices_owed", "ledger_bytes", "paid_total"]
        names.append("tips_total")
        answer = _as_stored({n: item[n] for n in [*names, "payment_count"]})
        answer.update(event_id=event_id, totals=TOTALS_VERSION, appended=entry)
        return cast("Event", answer)

    def append_void(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        item = self.items.get(event_id)
        size = entry_bytes(entry)
        vid, target = entry["payment_id"], entry["voids"]
        ids = item.get("payment_ids", set()) if item is not None else set()
        if (
            item is None
            or _frozen(item)
            or vid in ids
            or target not in ids
            or target in item.get("voided_ids", set())
            or target in item.get("void_ids", set())
            or not _room(item, cap, max_bytes - size)
        ):
            refusal = why_refused(self.get(event_id), vid, entry, cap, max_bytes - size)
            raise AppendRefused(refusal, self.get(event_id))
        voided = next(p for p in item["payments"] if p.get("payment_id") == target)
        self._append(item, entry, size)
        item.setdefault("voided_ids", set()).add(target)
        item.setdefault("void_ids", set()).add(vid)
        if "totals" in item:
            item["paid_total"] -= Decimal(voided.get("amount", 0))
            tips = item.get("tips_total", Decimal(0))
            item["tips_total"] = tips - to_money(voided.get("tip", 0))
            item["payment_count"] -= 1
        return cast("Event", copy.deepcopy(item))

    def append_refund(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        item = self.items.get(event_id)
        stored = item.get("payments", []) if item is not None else []
        paid: dict[str, Any] = next(
            (p for p in stored if p.get("payment_id") == entry["refunds"]), {}
        )
        fare, tip = refund_split(paid, stored, to_money(entry["amount"]))
        entry = {**entry, "amount": fare, "tip": tip}
        size = entry_bytes(entry)
        rid, target = entry["payment_id"], entry["refunds"]
        ids = item.get("payment_ids", set()) if item is not None else set()
        if (
            item is None
            or _frozen(item)
            or rid in ids
            or target not in ids
            or not _room(item, cap, max_bytes - size)
        ):
            probe = {**entry, "voids": target}
            refusal = why_refused(self.get(event_id), rid, probe, cap, max_bytes - size)
            raise AppendRefused(refusal, self.get(event_id))
        self._append(item, entry, size)
        if "totals" in item:
            item["paid_total"] -= fare
            item["tips_total"] = item.get("tips_total", Decimal(0)) - tip
        return cast("Event", copy.deepcopy(item))

    def _append(self, item: dict[str, Any], entry: EntryMap, size: int) -> None:
        item.setdefault("payments", []).append(_as_stored(entry))
        item.setdefault("payment_ids", set()).add(entry["payment_id"])
        item["ledger_bytes"] = item.get("ledger_bytes", Decimal(0)) + size
        self.writes += 1


def _frozen(item: dict[str, Any]) -> bool:
    """Not open for writes: moved, or in a rename (OPEN_FOR_WRITES)."""
    return any(k in item for k in ("moved_to", "renaming_to", "renaming_from"))


def _room(item: dict[str, Any], cap: int, room: int) -> bool:
    """Within the entry cap and the byte cap (an item never appended to has no
    `ledger_bytes`, and passes whatever the room, as the real condition does)."""
    used = item.get("ledger_bytes")
    return len(item.get("payments", [])) < cap and (used is None or used <= room)
