"""The in-memory ledger (tests/helpers/fake_ledger.py) answers exactly as EventsRepo on
dynalite: one script of appends, replays, voids and refusals runs against both, and
every answer (or refusal, with the item read after it) must be the same. The services'
unit tests trust the fake only as far as this test holds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from server.domain.event_form import validate_new_event
from server.domain.payments import AppendRefused
from server.domain.records import EntryMap, Event, EventMap
from server.store import Store
from tests.helpers.fake_ledger import FakeLedger
from tests.helpers.typed import found

CAP, ROOM = 4, 50_000


class Events(Protocol):
    def create(self, event: EventMap) -> None: ...
    def get(self, event_id: str) -> Event | None: ...
    def set_status(self, event_id: str, status: str) -> bool: ...
    def append_payment(
        self,
        event_id: str,
        entry: EntryMap,
        cap: int,
        max_bytes: int,
        *,
        accept_cancelled: bool = False,
    ) -> Event: ...
    def append_refund(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event: ...
    def append_void(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event: ...


def _event(first_name: str) -> Event:
    return validate_new_event(
        {
            "date": "2026-07-04",
            "first_name": first_name,
            "period": "whale",
            "start_time": "09:30",
            "party_size": "6",
            "total_price": "300.00",
            "boat": "Orca",
        }
    )


def _payment(pid: str, amount: str, tip: str = "0.00") -> dict[str, Any]:
    return {
        "payment_id": pid,
        "kind": "payment",
        "amount": Decimal(amount),
        "tip": Decimal(tip),
        "method": "cash",
        "note": "",
        "logged_by": "crew@example.com",
        "logged_by_name": "Pat",
        "logged_at": "2026-07-04T16:00:00Z",
    }


def _void(vid: str, target: str) -> dict[str, Any]:
    return {
        "payment_id": vid,
        "kind": "void",
        "voids": target,
        "reason": "typo",
        "logged_by": "captain@example.com",
        "logged_by_name": "Cap",
        "logged_at": "2026-07-04T17:00:00Z",
    }


def _refund(rid: str, target: str, amount: str) -> dict[str, Any]:
    return {
        "payment_id": rid,
        "kind": "refund",
        "refunds": target,
        "amount": Decimal(amount),
        "method": "online",
        "note": "",
        "logged_by": "Stripe",
        "logged_by_name": "Stripe",
        "logged_at": "2026-07-05T10:00:00Z",
        "stripe_refund": "re_" + rid,
    }


def _plain(value: Any) -> Any:
    """Sets as sorted lists, so answers compare and print."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _script(events: Events) -> list[Any]:
    """Each step's answer, or its refusal's reason and the item read after it."""
    trip, other = _event("Alice"), _event("Bea")
    events.create(trip)
    events.create(other)
    a, b = trip["event_id"], other["event_id"]
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("pay p1", lambda: events.append_payment(a, _payment("p1", "100.00", "20"), CAP, ROOM)),
        ("replay p1", lambda: events.append_payment(a, _payment("p1", "100.00", "20"), CAP, ROOM)),
        ("pay p2", lambda: events.append_payment(a, _payment("p2", "50.50", "7.25"), CAP, ROOM)),
        ("void p1", lambda: events.append_void(a, _void("v1", "p1"), CAP, ROOM)),
        ("replay void", lambda: events.append_void(a, _void("v1", "p1"), CAP, ROOM)),
        ("void p1 again", lambda: events.append_void(a, _void("v2", "p1"), CAP, ROOM)),
        ("void a void", lambda: events.append_void(a, _void("v3", "v1"), CAP, ROOM)),
        ("void unknown", lambda: events.append_void(a, _void("v4", "nope"), CAP, ROOM)),
        ("pay p3", lambda: events.append_payment(a, _payment("p3", "1.00"), CAP, ROOM)),
        ("full", lambda: events.append_payment(a, _payment("p4", "1.00"), CAP, ROOM)),
        # The byte cap holds back an item already holding bytes, not a first entry.
        ("first on b", lambda: events.append_payment(b, _payment("q1", "1.00"), CAP, 10)),
        ("too big", lambda: events.append_payment(b, _payment("q5", "1.00"), CAP, 200)),
        ("missing", lambda: events.append_payment("nope", _payment("q2", "1.00"), CAP, ROOM)),
        ("cancel", lambda: events.set_status(b, "cancelled")),
        ("pay cancelled", lambda: events.append_payment(b, _payment("q3", "9.00"), CAP, ROOM)),
        # Issue 28: an online payment Stripe took is kept on a cancelled trip; refunds.
        (
            "late online",
            lambda: events.append_payment(
                b, _payment("q4", "9.00", "3"), CAP, ROOM, accept_cancelled=True
            ),
        ),
        (
            "late replay",
            lambda: events.append_payment(
                b, _payment("q4", "9.00", "3"), CAP, ROOM, accept_cancelled=True
            ),
        ),
        ("refund q4", lambda: events.append_refund(b, _refund("r1", "q4", "4.00"), CAP, ROOM)),
        ("refund replay", lambda: events.append_refund(b, _refund("r1", "q4", "4.00"), CAP, ROOM)),
        # Past the fare's 5.00 left, the rest comes off the tip (issue 28, fare first).
        ("refund more", lambda: events.append_refund(b, _refund("r3", "q4", "7.00"), CAP, ROOM)),
        ("refund unknown", lambda: events.append_refund(b, _refund("r2", "no", "1.00"), CAP, ROOM)),
        ("after", lambda: [events.get(a), events.get(b)]),
    ]
    answers: list[Any] = []
    for name, step in steps:
        try:
            answers.append((name, _plain(step())))
        except AppendRefused as refused:
            answers.append((name, refused.reason.value, _plain(refused.item)))
    return answers


def test_the_fake_ledger_answers_as_dynalite_does(store: Store) -> None:
    real, fake = _script(store.events), _script(FakeLedger())
    for theirs, ours in zip(real, fake, strict=True):
        assert ours == theirs
    reasons = {step[0]: step[1] for step in real if len(step) == 3}
    assert reasons == {
        "replay p1": "duplicate",
        "replay void": "duplicate",
        "void p1 again": "already_voided",
        "void a void": "not_a_payment",
        "void unknown": "unknown_target",
        "full": "full",
        "too big": "full",
        "missing": "missing",
        "pay cancelled": "cancelled",
        "late replay": "duplicate",
        "refund replay": "duplicate",
        "refund unknown": "unknown_target",
    }
    after = dict((s[0], s[1]) for s in real if len(s) == 2)["after"]
    assert after[0]["paid_total"] == Decimal("51.50") and after[0]["payment_count"] == 2
    # q1 1.00 + q4 9.00 - r1 4.00 - r3's 5.00 of fare; q4's 3.00 tip - r3's 2.00 of tip
    assert after[1]["paid_total"] == Decimal("1.00") and after[1]["tips_total"] == Decimal("1.00")
    refunds = [(p["amount"], p["tip"]) for p in after[1]["payments"] if p.get("kind") == "refund"]
    assert refunds == [(Decimal("4.00"), Decimal("0")), (Decimal("5.00"), Decimal("2.00"))]
    assert after[0]["tips_total"] == Decimal("7.25")  # issue 27: p1's tip went with its void


def test_a_refund_split_on_a_stale_read_is_written_again_on_a_fresh_one(
    store: Store, monkeypatch: Any
) -> None:
    """Two refunds of one tipped payment at once: the second's split was decided on a
    read the first has since changed, so its write must not hold; it is split again."""
    events = store.events
    trip = _event("Cleo")
    events.create(trip)
    event_id = trip["event_id"]
    events.append_payment(event_id, _payment("p", "10.00", "5.00"), 10, ROOM)
    real_get = events.get
    raced: list[str] = []

    def get_then_race(key: str) -> Event | None:
        item = real_get(key)
        if not raced:  # between this read and its write, another refund lands
            raced.append("r1")
            events.append_refund(event_id, _refund("r1", "p", "8.00"), 10, ROOM)
        return item

    monkeypatch.setattr(events, "get", get_then_race)
    events.append_refund(event_id, _refund("r2", "p", "7.00"), 10, ROOM)
    after = found(real_get(event_id))
    refunds = {p["payment_id"]: (p["amount"], p["tip"]) for p in after["payments"][1:]}
    # r1 had 8.00 of the fare; r2 the 2.00 left of it and 5.00 of the tip (not 7.00 of fare)
    assert refunds == {
        "r1": (Decimal("8.00"), Decimal(0)),
        "r2": (Decimal("2.00"), Decimal("5.00")),
    }
    assert (after["paid_total"], after["tips_total"]) == (Decimal("0.00"), Decimal("0.00"))
