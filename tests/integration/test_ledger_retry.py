"""The appends that read the trip first (a void, an online refund: server/store/ledger.py)
retry when the trip changed between their read and their write, on dynalite: `scc db
backfill-totals` marking a trip written before the totals (after it the void or refund
must still come off the totals), and for a refund any other entry appended in between
(its fare/tip split is planned again from the ledger as it is then). A trip that keeps
changing ends in CONFLICT after three tries, never in a wrong total."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES, AppendRefused, Refusal
from server.domain.records import Event
from server.store import Store
from server.store.totals import backfill
from tests.conftest import add_event
from tests.helpers.typed import found

CAP, ROOM = MAX_ENTRIES, MAX_LEDGER_BYTES


def _payment(amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal(amount),
        "tip": Decimal("0.00"),
        "method": "online",
        "note": "",
        "logged_by": "Stripe",
        "logged_by_name": "Stripe",
        "logged_at": "2026-01-01T10:00:00Z",
        **extra,
    }


def _void(target: str) -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "kind": "void",
        "voids": target,
        "reason": "typo",
        "logged_by": "cap@example.com",
        "logged_by_name": "Cap",
        "logged_at": "2026-01-01T11:00:00Z",
    }


def _refund(target: str, amount: str) -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "kind": "refund",
        "refunds": target,
        "amount": Decimal(amount),
        "method": "online",
        "note": "",
        "logged_by": "Stripe",
        "logged_by_name": "Stripe",
        "logged_at": "2026-01-02T10:00:00Z",
        "stripe_refund": "re_1",
    }


def _legacy(store: Store, payments: list[dict[str, Any]]) -> str:
    """A trip as stored before the totals (no marker), written directly."""
    event_id = str(add_event(store)["event_id"])
    item: dict[str, Any] = dict(found(store.events.get(event_id)))  # raw: written directly
    for name in ("totals", "paid_total", "payment_count", "tips_total"):
        item.pop(name, None)
    item.update(payments=payments, payment_ids={p["payment_id"] for p in payments})
    store.events.table.put_item(Item=item)
    return event_id


def _reads_then(
    store: Store, monkeypatch: pytest.MonkeyPatch, between: Callable[[int], None]
) -> list[int]:
    """`store.events.get` calls `between(n)` after its n-th read (from 1): the change
    lands between that read and the write the append plans from it."""
    real, reads = store.events.get, [0]

    def get(event_id: str) -> Event | None:
        item = real(event_id)
        reads[0] += 1
        between(reads[0])
        return item

    monkeypatch.setattr(store.events, "get", get)
    return reads


def _backfill(store: Store) -> None:
    table, get = store.events.table, store.events.get
    assert backfill(table, store.events.scan_all(), get, lambda _: None) == 1


def test_a_void_read_before_the_backfill_is_retried_and_comes_off_the_totals(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, voided = _payment("100.00"), _payment("40.00", tip=Decimal("5.00"))
    event_id = _legacy(store, [kept, voided])
    reads = _reads_then(store, monkeypatch, lambda n: _backfill(store) if n == 1 else None)
    answer = store.events.append_void(event_id, _void(voided["payment_id"]), CAP, ROOM)
    assert reads[0] >= 3  # read, refused (re-read), read again, written
    assert answer["totals"] == 1
    assert (answer["paid_total"], answer["payment_count"]) == (Decimal("100.00"), 1)
    assert answer["tips_total"] == Decimal("0.00")
    assert answer["voided_ids"] == {voided["payment_id"]}
    assert [p["kind"] for p in answer["payments"]] == ["payment", "payment", "void"]


def test_a_refund_read_before_the_backfill_is_retried_and_comes_off_the_totals(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    paid = _payment("300.00", payment_intent="pi_1")
    event_id = _legacy(store, [paid])
    reads = _reads_then(store, monkeypatch, lambda n: _backfill(store) if n == 1 else None)
    answer = store.events.append_refund(event_id, _refund(paid["payment_id"], "120.00"), CAP, ROOM)
    assert reads[0] >= 3
    assert answer["totals"] == 1 and answer["paid_total"] == Decimal("180.00")
    assert [p["kind"] for p in answer["payments"]] == ["payment", "refund"]


def test_a_refund_raced_by_another_is_split_again_from_the_ledger_as_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fare first, then tip: the refund planned as fare from its read meets a ledger
    where another refund took the whole fare back meanwhile, so it is the tip's."""
    event_id = str(add_event(store)["event_id"])
    paid = _payment("100.00", tip=Decimal("20.00"), payment_intent="pi_1")
    store.events.append_payment(event_id, paid, CAP, ROOM)
    first = _refund(paid["payment_id"], "100.00")

    def other_refund(n: int) -> None:
        if n == 1:
            store.events.append_refund(event_id, first, CAP, ROOM)

    reads = _reads_then(store, monkeypatch, other_refund)
    answer = store.events.append_refund(event_id, _refund(paid["payment_id"], "20.00"), CAP, ROOM)
    assert reads[0] >= 3
    refunds = [(p["amount"], p["tip"]) for p in answer["payments"] if p["kind"] == "refund"]
    assert refunds == [(Decimal("100.00"), Decimal("0.00")), (Decimal("0.00"), Decimal("20.00"))]
    assert (answer["paid_total"], answer["tips_total"]) == (Decimal("0.00"), Decimal("0.00"))


def _flip_totals(store: Store, event_id: str) -> Callable[[int], None]:
    """After every first read of a try, the trip gains or loses its totals marker: each
    write is planned from a trip that is no longer there."""

    def between(n: int) -> None:
        if n % 2 == 1:
            item = store.events.table.get_item(Key={"event_id": event_id})["Item"]
            if "totals" in item:
                store.events.table.update_item(
                    Key={"event_id": event_id}, UpdateExpression="REMOVE totals"
                )
            else:
                store.events.table.update_item(
                    Key={"event_id": event_id},
                    UpdateExpression="SET totals = :one",
                    ExpressionAttributeValues={":one": 1},
                )

    return between


@pytest.mark.parametrize("kind", ["void", "refund"])
def test_a_trip_that_keeps_changing_is_a_conflict_after_three_tries(
    store: Store, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    paid = _payment("50.00")
    event_id = _legacy(store, [paid])
    read = store.events.get
    reads = _reads_then(store, monkeypatch, _flip_totals(store, event_id))
    with pytest.raises(AppendRefused) as refused:
        if kind == "void":
            store.events.append_void(event_id, _void(paid["payment_id"]), CAP, ROOM)
        else:
            store.events.append_refund(event_id, _refund(paid["payment_id"], "5.00"), CAP, ROOM)
    assert refused.value.reason is Refusal.CONFLICT
    assert reads[0] == 7  # three tries of (read, write, read why), then the item answered
    stored = read(event_id)
    assert stored is not None
    assert [p["payment_id"] for p in stored["payments"]] == [paid["payment_id"]]
