"""The in-memory ledger (tests/helpers/fake_ledger.py) answers the webhook workflow's
writes (server/services/online_payments.py's `OnlineLedger`: an online payment, also on
a cancelled trip, and a refund split into fare and tip) exactly as EventsRepo does on
dynalite, on the trips the workflow's unit tests arrange: cancelled, full, being
renamed, moved, missing. One script runs against both; every answer, or refusal with
the item read after it, must be the same."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from server.domain.event_form import validate_new_event
from server.domain.online import payment_entry, refund_entry
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES, AppendRefused
from server.domain.records import EventMap, LedgerEntry
from server.services.online_payments import OnlineLedger
from server.store import Store
from tests.helpers.fake_ledger import FakeLedger

NOW = "2026-07-04T16:00:00Z"
CAP, ROOM = MAX_ENTRIES, MAX_LEDGER_BYTES


class Events(OnlineLedger, Protocol):
    """The workflow's writes (`OnlineLedger`), and what the script arranges trips with."""

    def create(self, event: EventMap) -> None: ...
    def set_status(self, event_id: str, status: str) -> bool: ...
    def freeze_for_rename(self, old: str, new: str) -> bool: ...
    def leave_redirect_stub(self, old: str, new: str) -> bool: ...


def _trip(first_name: str, **extra: Any) -> dict[str, Any]:
    event = validate_new_event(
        {
            "date": "2026-07-04",
            "first_name": first_name,
            "period": "whale",
            "start_time": "09:30",
            "party_size": "6",
            "total_price": "1200.00",
            "boat": "Orca",
        }
    )
    return {**event, **extra}


def _paid(session: str, cents: int, tip: str = "0.00") -> LedgerEntry:
    """The entry a paid Checkout Session makes (server/domain/online.py)."""
    return payment_entry(
        {
            "id": session,
            "amount_total": cents,
            "payment_intent": "pi_" + session,
            "metadata": {"tip": tip},
        },
        NOW,
    )


def _refund(refund: str, paid: LedgerEntry, cents: int) -> LedgerEntry:
    return refund_entry({"id": refund, "amount": cents}, str(paid["payment_id"]), NOW)


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
    a, b, c = _trip("Alice"), _trip("Bea"), _trip("Cy", ledger_bytes=ROOM)
    for trip in (a, b, c):
        events.create(trip)
    ia, ib, ic = a["event_id"], b["event_id"], c["event_id"]
    p1, p2, p3 = _paid("cs_1", 60_000, "100.00"), _paid("cs_2", 5_000), _paid("cs_3", 1_000)
    late = {**p2, "note": "cancelled"}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("online p1", lambda: events.append_payment(ia, p1, CAP, ROOM)),
        ("repeat p1", lambda: events.append_payment(ia, p1, CAP, ROOM)),
        (
            "repeat p1 as late",
            lambda: events.append_payment(ia, p1, CAP, ROOM, accept_cancelled=True),
        ),
        ("refund part", lambda: events.append_refund(ia, _refund("re_1", p1, 45_000), CAP, ROOM)),
        (
            "refund past fare",
            lambda: events.append_refund(ia, _refund("re_2", p1, 10_000), CAP, ROOM),
        ),
        ("refund repeat", lambda: events.append_refund(ia, _refund("re_2", p1, 10_000), CAP, ROOM)),
        ("refund unknown", lambda: events.append_refund(ia, _refund("re_3", p2, 100), CAP, ROOM)),
        ("refund full", lambda: events.append_refund(ia, _refund("re_4", p1, 100), 3, ROOM)),
        ("cancel a", lambda: events.set_status(ia, "cancelled")),
        ("online on cancelled", lambda: events.append_payment(ia, p2, CAP, ROOM)),
        (
            "late on cancelled",
            lambda: events.append_payment(ia, late, CAP, ROOM, accept_cancelled=True),
        ),
        ("late repeat", lambda: events.append_payment(ia, late, CAP, ROOM, accept_cancelled=True)),
        (
            "refund on cancelled",
            lambda: events.append_refund(ia, _refund("re_5", p2, 5_000), CAP, ROOM),
        ),
        ("late when full", lambda: events.append_payment(ia, p3, 5, ROOM, accept_cancelled=True)),
        # A trip whose ledger is at the byte cap takes no more, online or refund.
        ("online at byte cap", lambda: events.append_payment(ic, p3, CAP, ROOM)),
        (
            "late at byte cap",
            lambda: events.append_payment(ic, p3, CAP, ROOM, accept_cancelled=True),
        ),
        ("online on b", lambda: events.append_payment(ib, p3, CAP, ROOM)),
        ("freeze b", lambda: events.freeze_for_rename(ib, "2026-07-05-bea-whale")),
        ("freeze b elsewhere", lambda: events.freeze_for_rename(ib, "2026-07-06-bea-whale")),
        ("online renaming", lambda: events.append_payment(ib, p2, CAP, ROOM)),
        ("late renaming", lambda: events.append_payment(ib, p2, CAP, ROOM, accept_cancelled=True)),
        ("refund renaming", lambda: events.append_refund(ib, _refund("re_6", p3, 100), CAP, ROOM)),
        ("stub b", lambda: events.leave_redirect_stub(ib, "2026-07-05-bea-whale")),
        ("stub b again", lambda: events.leave_redirect_stub(ib, "2026-07-05-bea-whale")),
        ("late moved", lambda: events.append_payment(ib, p2, CAP, ROOM, accept_cancelled=True)),
        ("refund moved", lambda: events.append_refund(ib, _refund("re_7", p3, 100), CAP, ROOM)),
        ("freeze moved", lambda: events.freeze_for_rename(ib, "2026-07-05-bea-whale")),
        (
            "late missing",
            lambda: events.append_payment("nope", p2, CAP, ROOM, accept_cancelled=True),
        ),
        ("refund missing", lambda: events.append_refund("nope", _refund("re_8", p3, 1), CAP, ROOM)),
        ("freeze missing", lambda: events.freeze_for_rename("nope", "other")),
        ("after", lambda: [events.get(ia), events.get(ib), events.get(ic)]),
    ]
    answers: list[Any] = []
    for name, step in steps:
        try:
            answers.append((name, _plain(step())))
        except AppendRefused as refused:
            answers.append((name, refused.reason.value, _plain(refused.item)))
    return answers


def test_the_fake_ledger_answers_the_online_writes_as_dynalite_does(store: Store) -> None:
    real, fake = _script(store.events), _script(FakeLedger())
    for theirs, ours in zip(real, fake, strict=True):
        assert ours == theirs
    reasons = {step[0]: step[1] for step in real if len(step) == 3}
    assert reasons == {
        "repeat p1": "duplicate",
        "repeat p1 as late": "duplicate",
        "refund repeat": "duplicate",
        "refund unknown": "unknown_target",
        "refund full": "full",
        "online on cancelled": "cancelled",
        "late repeat": "duplicate",
        "late when full": "full",
        "online at byte cap": "full",
        "late at byte cap": "full",
        "online renaming": "renaming",
        "late renaming": "renaming",
        "refund renaming": "renaming",
        "late moved": "missing",
        "refund moved": "missing",
        "late missing": "missing",
        "refund missing": "missing",
    }
    done = dict((s[0], s[1]) for s in real if len(s) == 2)
    assert [done[k] for k in ("freeze b", "freeze b elsewhere", "stub b", "stub b again")] == [
        True,
        False,
        True,
        False,
    ]
    assert done["freeze moved"] is False and done["freeze missing"] is False
    after_a = done["after"][0]
    # p1: 500 fare + 100 tip, refunded 450 (fare) and 100 (50 fare, 50 tip); the late p2's
    # 50 refunded whole: no fare left, half the tip.
    assert (after_a["paid_total"], after_a["tips_total"]) == (Decimal("0.00"), Decimal("50.00"))
    refunds = [(p["amount"], p["tip"]) for p in after_a["payments"] if p["kind"] == "refund"]
    assert refunds == [
        (Decimal("450.00"), Decimal("0.00")),
        (Decimal("50.00"), Decimal("50.00")),
        (Decimal("50.00"), Decimal("0.00")),
    ]
