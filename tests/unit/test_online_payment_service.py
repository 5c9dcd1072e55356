"""The webhook workflow (server/services/online_payments.py) against the in-memory
ledger (tests/helpers/fake_ledger.py, held to dynalite by
tests/integration/test_online_ledger_contract.py): what each Stripe event records, what
it answers (the status Stripe retries on, the reason in it) and what it logs for the
operator, on trips that are open, cancelled, full, being renamed or missing."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from server.domain.event_form import validate_new_event
from server.domain.online import CANCELLED_NOTE, payment_entry, payment_id_for, refund_id_for
from server.domain.payments import MAX_LEDGER_BYTES
from server.domain.records import EntryMap, Event
from server.services.online_payments import Recorded, record_event
from server.services.results import Refused
from tests.helpers.fake_ledger import FakeLedger
from tests.helpers.typed import found

NOW = "2026-07-04T16:00:00Z"
EVENT_ID = "2026-07-04-alice-whale"
LOGGER = "server.services.online_payments"


def trip(**extra: Any) -> dict[str, Any]:
    event = validate_new_event(
        {
            "date": "2026-07-04",
            "first_name": "Alice",
            "period": "whale",
            "start_time": "09:30",
            "party_size": "6",
            "total_price": "1200.00",
            "boat": "Orca",
        }
    )
    assert event["event_id"] == EVENT_ID
    return {**event, **extra}


@pytest.fixture
def events() -> FakeLedger:
    fake = FakeLedger()
    fake.create(trip())
    return fake


def session(session_id: str = "cs_1", intent: str = "pi_1", **extra: Any) -> dict[str, Any]:
    return {
        "id": session_id,
        "amount_total": 30_000,
        "payment_status": "paid",
        "payment_intent": intent,
        "metadata": {"event_id": EVENT_ID, "tip": "50.00"},
        **extra,
    }


def paid(obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": "checkout.session.completed", "data": {"object": obj}}


class Stripe:
    """What the workflow asks Stripe about a refunded charge, with the questions kept."""

    def __init__(self, refunds: list[dict[str, Any]], trip_id: str = EVENT_ID) -> None:
        self.refunds, self.trip_id = refunds, trip_id
        self.intents: list[str] = []
        self.charges: list[str] = []

    def intent_metadata(self, intent: str) -> dict[str, str]:
        self.intents.append(intent)
        return {"event_id": self.trip_id} if self.trip_id else {}

    def refunds_of(self, charge: str) -> list[dict[str, Any]]:
        self.charges.append(charge)
        return self.refunds


def refunded(charge: dict[str, Any]) -> dict[str, Any]:
    return {"type": "charge.refunded", "data": {"object": charge}}


def record(events: FakeLedger, event: dict[str, Any], stripe: Stripe | None = None) -> Any:
    stripe = stripe or Stripe([])
    return record_event(
        events,
        event,
        NOW,
        intent_metadata=stripe.intent_metadata,
        refunds_of=stripe.refunds_of,
    )


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]


# --- a paid Checkout Session -------------------------------------------------------


def test_a_paid_session_answers_the_trip_as_its_write_left_it(events: FakeLedger) -> None:
    outcome = record(events, paid(session()))
    pid = payment_id_for("cs_1")
    assert isinstance(outcome, Recorded) and outcome.payment_ids == [pid]
    assert not outcome.flagged
    assert outcome.item is not None and outcome.item["event_id"] == EVENT_ID
    assert (outcome.item["paid_total"], outcome.item["tips_total"]) == (
        Decimal("250.00"),
        Decimal("50.00"),
    )
    assert outcome.item["appended"] == payment_entry(session(), NOW)
    (entry,) = found(events.get(EVENT_ID))["payments"]
    assert (entry["payment_id"], entry["logged_at"], entry["note"]) == (pid, NOW, "")


def test_a_session_naming_no_trip_is_not_ours_even_when_it_is_malformed(
    events: FakeLedger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    foreign = session("cs_other", metadata={}, amount_total="lots")
    assert record(events, paid(foreign)) == Recorded()
    assert record(events, paid(session("cs_none", metadata={"event_id": ""}))) == Recorded()
    assert events.writes == 0
    assert logged(caplog) == [
        (logging.INFO, "checkout session cs_other names no trip: not ours"),
        (logging.INFO, "checkout session cs_none names no trip: not ours"),
    ]


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ({"metadata": "trip=1"}, "the session's metadata is not a map"),
        ({"id": ""}, "the session has no id"),
        ({"amount_total": "lots"}, "not an amount of cents: 'lots'"),
    ],
)
def test_a_signed_event_that_is_not_a_session_of_ours_is_a_400_saying_why(
    events: FakeLedger, caplog: pytest.LogCaptureFixture, broken: dict[str, Any], why: str
) -> None:
    obj = session("cs_bad", **broken)
    assert record(events, paid(obj)) == Refused({"error": f"Not a checkout session: {why}"}, 400)
    assert events.writes == 0
    assert logged(caplog) == [
        (logging.WARNING, f"checkout session {obj['id']} not recorded: {why}")
    ]


RENAMED = "2026-07-05-alice-whale"


@pytest.mark.parametrize(("steps", "reason"), [(0, "renaming"), (1, "missing")])
def test_a_trip_being_renamed_or_moved_is_a_409_stripe_retries(
    events: FakeLedger, caplog: pytest.LogCaptureFixture, steps: int, reason: str
) -> None:
    events.freeze_for_rename(EVENT_ID, RENAMED)
    if steps:
        events.leave_redirect_stub(EVENT_ID, RENAMED)
    answer = record(events, paid(session()))
    assert answer == Refused({"form": f"trip {EVENT_ID}: {reason}"}, 409)
    assert events.writes == 0
    assert logged(caplog) == [
        (logging.WARNING, f"stripe webhook not recorded yet: trip {EVENT_ID}: {reason}")
    ]


def test_a_late_payment_on_a_cancelled_trip_is_answered_recorded_and_flagged(
    events: FakeLedger, caplog: pytest.LogCaptureFixture
) -> None:
    events.set_status(EVENT_ID, "cancelled")
    outcome = record(events, paid(session()))
    assert isinstance(outcome, Recorded) and outcome.flagged
    assert outcome.payment_ids == [payment_id_for("cs_1")]
    assert outcome.item is not None and outcome.item["payment_count"] == 1
    assert outcome.item["appended"]["note"] == CANCELLED_NOTE
    assert logged(caplog) == [
        (logging.WARNING, f"online payment for cancelled trip {EVENT_ID} recorded and flagged")
    ]


def test_a_late_payment_a_full_cancelled_trip_cannot_take_is_retried_not_dropped() -> None:
    events = FakeLedger()
    events.create(trip(ledger_bytes=MAX_LEDGER_BYTES))  # at the ledger's byte cap
    events.set_status(EVENT_ID, "cancelled")
    answer = record(events, paid(session()))
    assert answer == Refused({"form": f"trip {EVENT_ID}: full"}, 409)
    assert events.writes == 0


class Twin(FakeLedger):
    """Stripe delivers the same session twice at once: the twin's late write on the
    cancelled trip lands between this delivery's refusal and its own late write."""

    def append_payment(
        self,
        event_id: str,
        entry: EntryMap,
        cap: int,
        max_bytes: int,
        *,
        accept_cancelled: bool = False,
    ) -> Event:
        twin_first = entry["payment_id"] not in self.items[event_id].get("payment_ids", set())
        if accept_cancelled and twin_first:
            super().append_payment(event_id, entry, cap, max_bytes, accept_cancelled=True)
        return super().append_payment(
            event_id, entry, cap, max_bytes, accept_cancelled=accept_cancelled
        )


def test_a_delivery_that_loses_to_its_twin_on_a_cancelled_trip_records_nothing_more() -> None:
    events = Twin()
    events.create(trip())
    events.set_status(EVENT_ID, "cancelled")
    assert record(events, paid(session())) == Recorded()
    assert [p["payment_id"] for p in found(events.get(EVENT_ID))["payments"]] == [
        payment_id_for("cs_1")
    ]


# --- a refunded charge ---------------------------------------------------------------


def test_each_refund_is_recorded_against_the_payment_its_intent_made(
    events: FakeLedger,
) -> None:
    cash = {
        "payment_id": "cash-1",
        "kind": "payment",
        "amount": Decimal("20.00"),
        "tip": Decimal("0.00"),
        "method": "cash",
        "note": "",
        "logged_by": "crew@x.com",
        "logged_by_name": "Pat",
        "logged_at": NOW,
    }
    events.append_payment(EVENT_ID, cash, 10, MAX_LEDGER_BYTES)
    record(events, paid(session("cs_1", "pi_1")))
    record(events, paid(session("cs_2", "pi_2")))
    stripe = Stripe(
        [
            {"id": "re_1", "amount": 1_000, "status": "failed"},  # gave nothing back
            {"id": "re_2", "amount": 2_000, "status": "pending"},
            {"id": "re_3", "amount": 500, "status": "succeeded"},
            {"id": "re_4", "amount": 700, "status": "canceled"},
        ]
    )
    outcome = record(events, refunded({"id": "ch_2", "payment_intent": "pi_2"}), stripe)
    assert outcome == Recorded(None, [refund_id_for("re_2"), refund_id_for("re_3")])
    assert (stripe.intents, stripe.charges) == (["pi_2"], ["ch_2"])
    refunds = [p for p in found(events.get(EVENT_ID))["payments"] if p["kind"] == "refund"]
    assert [(r["refunds"], r["amount"], r["logged_at"]) for r in refunds] == [
        (payment_id_for("cs_2"), Decimal("20.00"), NOW),
        (payment_id_for("cs_2"), Decimal("5.00"), NOW),
    ]


def test_a_refund_recorded_already_is_skipped_and_the_next_one_still_recorded(
    events: FakeLedger,
) -> None:
    record(events, paid(session()))
    charge = refunded({"id": "ch_1", "payment_intent": "pi_1"})
    first = [{"id": "re_1", "amount": 1_000, "status": "succeeded"}]
    assert record(events, charge, Stripe(first)) == Recorded(None, [refund_id_for("re_1")])
    both = [*first, {"id": "re_2", "amount": 300, "status": "succeeded"}]
    assert record(events, charge, Stripe(both)) == Recorded(None, [refund_id_for("re_2")])
    assert record(events, charge, Stripe(both)) == Recorded(None, [])
    assert found(events.get(EVENT_ID))["paid_total"] == Decimal("237.00")


def test_an_online_payment_stored_without_a_kind_is_refundable(events: FakeLedger) -> None:
    entry = payment_entry(session(), NOW)
    del entry["kind"]  # the ledger reads an entry without a kind as a payment
    events.append_payment(EVENT_ID, entry, 10, MAX_LEDGER_BYTES)
    refund = [{"id": "re_1", "amount": 100, "status": "succeeded"}]
    outcome = record(events, refunded({"id": "ch_1", "payment_intent": "pi_1"}), Stripe(refund))
    assert outcome == Recorded(None, [refund_id_for("re_1")])


def test_a_charge_the_app_did_not_make_records_nothing(events: FakeLedger) -> None:
    record(events, paid(session()))
    without_intent = Stripe([{"id": "re_1", "amount": 100, "status": "succeeded"}])
    assert record(events, refunded({"id": "ch_1"}), without_intent) == Recorded()
    assert without_intent.intents == [] and without_intent.charges == []
    foreign = Stripe([{"id": "re_1", "amount": 100, "status": "succeeded"}], trip_id="")
    assert record(events, refunded({"id": "ch_1", "payment_intent": "pi_1"}), foreign) == (
        Recorded()
    )
    assert foreign.intents == ["pi_1"] and foreign.charges == []
    assert events.writes == 1  # the payment alone


@pytest.mark.parametrize("trip_id", [EVENT_ID, "2026-07-09-gone-whale"])
def test_a_refund_before_its_payment_is_a_409_saying_so(
    events: FakeLedger, caplog: pytest.LogCaptureFixture, trip_id: str
) -> None:
    stripe = Stripe([{"id": "re_1", "amount": 100, "status": "succeeded"}], trip_id)
    answer = record(events, refunded({"id": "ch_1", "payment_intent": "pi_1"}), stripe)
    why = f"trip {trip_id}: the refunded payment is not recorded yet"
    assert answer == Refused({"form": why}, 409)
    assert stripe.charges == [] and events.writes == 0
    assert logged(caplog) == [(logging.WARNING, f"stripe webhook not recorded yet: {why}")]


class FrozenAfterOneRefund(FakeLedger):
    """A rename of the trip starts just after the first refund of a charge is written."""

    def append_refund(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        answer = super().append_refund(event_id, entry, cap, max_bytes)
        self.freeze_for_rename(event_id, RENAMED)
        return answer


def test_a_refund_the_trip_cannot_take_now_is_a_409_keeping_those_before_it() -> None:
    events = FrozenAfterOneRefund()
    events.create(trip())
    record(events, paid(session()))
    stripe = Stripe(
        [
            {"id": "re_1", "amount": 100, "status": "succeeded"},
            {"id": "re_2", "amount": 100, "status": "succeeded"},
        ]
    )
    answer = record(events, refunded({"id": "ch_1", "payment_intent": "pi_1"}), stripe)
    assert answer == Refused({"form": f"trip {EVENT_ID}: renaming"}, 409)
    kinds = [p["kind"] for p in found(events.get(EVENT_ID))["payments"]]
    assert kinds == ["payment", "refund"]
