"""Online payments' rules (server/domain/online.py), the settings that switch them on,
and the webhook workflow (server/services/online_payments.py) against the in-memory
ledger that tests/integration/test_ledger_contract.py holds to dynalite."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from server.domain.event_form import validate_new_event
from server.domain.forms import FormErrors
from server.domain.online import (
    CANCELLED_NOTE,
    Charge,
    cents,
    dollars,
    parse_tip,
    payment_entry,
    payment_id_for,
    refund_id_for,
    refund_split,
    tip_presets,
    valid_session_id,
)
from server.domain.payments import ledger
from server.services.online_payments import Recorded, record_event
from server.services.results import Refused
from server.settings import Settings, SettingsError
from tests.helpers.fake_ledger import FakeLedger
from tests.helpers.typed import found

NOW = "2026-07-04T16:00:00Z"
PRICE = Decimal("1200.00")


def test_tip_presets_are_15_18_20_percent_of_the_price() -> None:
    assert tip_presets(PRICE) == [
        (15, Decimal("180.00")),
        (18, Decimal("216.00")),
        (20, Decimal("240.00")),
    ]
    assert tip_presets(Decimal("0")) == []


@pytest.mark.parametrize(
    ("form", "tip"),
    [
        ({}, Decimal("0")),
        ({"tip": ""}, Decimal("0")),
        ({"tip": "18"}, Decimal("216.00")),
        ({"tip": "custom", "tip_custom": "$25.50"}, Decimal("25.50")),
    ],
)
def test_the_tip_chosen(form: dict[str, str], tip: Decimal) -> None:
    assert parse_tip(form, PRICE) == tip


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"tip": "17"}, "tip"),  # not a preset: the client cannot name its own percent
        ({"tip": "custom", "tip_custom": ""}, "tip_custom"),
        ({"tip": "custom", "tip_custom": "-5"}, "tip_custom"),
        ({"tip": "custom", "tip_custom": "9999"}, "tip_custom"),
    ],
)
def test_a_bad_tip_names_its_field(form: dict[str, str], field: str) -> None:
    with pytest.raises(FormErrors) as refused:
        parse_tip(form, PRICE)
    assert set(refused.value.errors) == {field}


def test_ids_are_derived_stably_and_kept_apart() -> None:
    assert payment_id_for("cs_test_a") == payment_id_for("cs_test_a")
    assert payment_id_for("cs_test_a") != payment_id_for("cs_test_b")
    assert refund_id_for("cs_test_a") != payment_id_for("cs_test_a")
    assert uuid.UUID(payment_id_for("cs_test_a")).version == 5
    assert valid_session_id("cs_test_a1") and not valid_session_id("<script>")


def test_cents_and_dollars() -> None:
    assert cents(Decimal("1200.10")) == 120010 and dollars(120010) == Decimal("1200.10")


def test_the_charge_keys_one_session_per_form_and_amount() -> None:
    charge = Charge("2026-07-04-alice-whale", Decimal("100.00"), Decimal("15.00"), "k")
    assert charge.total == Decimal("115.00")
    assert charge.metadata["tip"] == "15.00" and charge.metadata["balance"] == "100.00"
    changed = Charge(charge.event_id, Decimal("90.00"), charge.tip, "k")
    assert changed.idempotency_key != charge.idempotency_key


def test_the_entry_keeps_the_tip_apart_from_the_balance_paid() -> None:
    session = {
        "id": "cs_test_1",
        "amount_total": 138000,
        "payment_intent": "pi_1",
        "metadata": {"event_id": "x", "tip": "180.00"},
    }
    entry = payment_entry(session, NOW)
    assert entry["amount"] == Decimal("1200.00") and entry["tip"] == Decimal("180.00")
    assert entry["method"] == "online" and entry["logged_by"] == "Stripe"


def test_a_refund_takes_its_amount_off_what_the_ledger_sums() -> None:
    book = ledger(
        "1200",
        [
            {"payment_id": "p", "kind": "payment", "amount": Decimal("1200")},
            {"payment_id": "r", "kind": "refund", "refunds": "p", "amount": Decimal("300")},
        ],
    )
    assert book.paid == Decimal("900.00") and book.balance_due == Decimal("300.00")
    assert len(book.payments) == 1 and len(book.refunds) == 1


PAID = {"payment_id": "p", "kind": "payment", "amount": Decimal("500"), "tip": Decimal("50")}


def refunded(*amounts: str) -> list[dict[str, Any]]:
    """The ledger after refunds of `amounts` of PAID, each split as the store splits it."""
    entries: list[dict[str, Any]] = [PAID]
    for n, amount in enumerate(amounts):
        fare, tip = refund_split(PAID, entries, Decimal(amount))
        entries.append(
            {"payment_id": f"r{n}", "kind": "refund", "refunds": "p", "amount": fare, "tip": tip}
        )
    return entries


@pytest.mark.parametrize(
    ("amounts", "fares", "tips"),
    [
        (["100"], ["100"], ["0"]),  # a partial refund is the fare's: the crew keep the tip
        (["500"], ["500"], ["0"]),  # the whole fare, to the cent: still not the tip
        (["520"], ["500"], ["20"]),  # past the fare: the rest comes off the tip
        (["300", "250"], ["300", "200"], ["0", "50"]),  # the second crosses the fare
        (["600"], ["550"], ["50"]),  # past fare and tip (not Stripe's): the rest is fare's
        (["0.01"], ["0.01"], ["0"]),
    ],
)
def test_a_refund_gives_back_the_fare_first_then_the_tip(
    amounts: list[str], fares: list[str], tips: list[str]
) -> None:
    refunds = refunded(*amounts)[1:]
    assert [r["amount"] for r in refunds] == [Decimal(f) for f in fares]
    assert [r["tip"] for r in refunds] == [Decimal(t) for t in tips]
    book = ledger("500", refunded(*amounts))
    given_back = sum((Decimal(a) for a in amounts), Decimal(0))
    assert book.paid + book.tips == Decimal("550") - given_back


def test_a_full_refund_of_fare_and_tip_leaves_nothing_paid_and_no_tip() -> None:
    book = ledger("500", refunded("550"))
    assert (book.paid, book.tips, book.balance_due) == (Decimal(0), Decimal(0), Decimal(500))
    assert refund_split(PAID, refunded("550"), Decimal("10")) == (Decimal("10"), Decimal(0))


def test_a_refund_of_another_payment_does_not_count_towards_this_one() -> None:
    other = {"payment_id": "x", "kind": "refund", "refunds": "q", "amount": Decimal("500")}
    assert refund_split(PAID, [PAID, other], Decimal("20")) == (Decimal("20"), Decimal(0))


ENV = {"SCC_SECRET_KEY": "k" * 40, "SCC_DYNAMODB_ENDPOINT": "http://127.0.0.1:1"}


def test_the_stripe_settings_go_together() -> None:
    with pytest.raises(SettingsError, match="STRIPE_WEBHOOK_SECRET"):
        Settings.from_env({**ENV, "STRIPE_SECRET_KEY": "sk_test_" + "a" * 30})
    with pytest.raises(SettingsError, match="STRIPE_SECRET_KEY: must start with"):
        Settings.from_env(
            {
                **ENV,
                "STRIPE_SECRET_KEY": "whsec_" + "a" * 30,
                "STRIPE_WEBHOOK_SECRET": "whsec_x" * 4,
            }
        )
    both = Settings.from_env(
        {
            **ENV,
            "STRIPE_SECRET_KEY": "sk_test_" + "a" * 30,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "b" * 30,
        }
    )
    assert both.takes_online_payments
    assert not Settings.from_env(ENV).takes_online_payments


# --- the webhook workflow, on the in-memory ledger ---------------------------------


@pytest.fixture
def events() -> FakeLedger:
    fake = FakeLedger()
    fake.create(
        validate_new_event(
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
    )
    return fake


EVENT_ID = "2026-07-04-alice-whale"


def completed(session_id: str = "cs_test_1", status: str = "paid") -> dict[str, Any]:
    session = {
        "id": session_id,
        "amount_total": 120000,
        "payment_status": status,
        "payment_intent": "pi_1",
        "metadata": {"event_id": EVENT_ID, "tip": "0.00"},
    }
    return {"type": "checkout.session.completed", "data": {"object": session}}


def record(events: FakeLedger, event: dict[str, Any]) -> Recorded | Refused:
    return record_event(
        events,
        event,
        NOW,
        intent_metadata=lambda _: {"event_id": EVENT_ID},
        refunds_of=lambda _: [{"id": "re_1", "amount": 20000, "status": "succeeded"}],
    )


def test_a_paid_session_is_recorded_once(events: FakeLedger) -> None:
    first = record(events, completed())
    assert isinstance(first, Recorded) and first.payment_ids == [payment_id_for("cs_test_1")]
    again = record(events, completed())
    assert again == Recorded()
    assert events.writes == 1


def test_an_unpaid_session_or_another_event_type_records_nothing(events: FakeLedger) -> None:
    assert record(events, completed(status="unpaid")) == Recorded()
    assert record(events, {"type": "customer.created", "data": {"object": {}}}) == Recorded()
    assert events.writes == 0


def test_a_late_payment_on_a_cancelled_trip_is_kept_and_flagged(events: FakeLedger) -> None:
    events.set_status(EVENT_ID, "cancelled")
    outcome = record(events, completed())
    assert isinstance(outcome, Recorded) and outcome.flagged
    (entry,) = found(events.get(EVENT_ID))["payments"]
    assert entry["note"] == CANCELLED_NOTE
    assert record(events, completed()) == Recorded()  # a repeat: still once


def test_a_refund_before_its_payment_is_asked_again_later(events: FakeLedger) -> None:
    refund = {
        "type": "charge.refunded",
        "data": {"object": {"id": "ch_1", "payment_intent": "pi_1"}},
    }
    early = record(events, refund)
    assert isinstance(early, Refused) and early.status == 409 and events.writes == 0
    record(events, completed())
    done = record(events, refund)
    assert isinstance(done, Recorded) and done.payment_ids == [refund_id_for("re_1")]
    assert found(events.get(EVENT_ID))["paid_total"] == Decimal("1000.00")
    assert record(events, refund) == Recorded(None, [])


def test_a_refund_of_fare_and_tip_takes_both_off_the_totals(events: FakeLedger) -> None:
    tipped = completed()
    tipped["data"]["object"].update(
        amount_total=138000, metadata={"event_id": EVENT_ID, "tip": "180.00"}
    )
    record(events, tipped)
    item = found(events.get(EVENT_ID))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("1200.00"), Decimal("180.00"))
    everything = record_event(
        events,
        {"type": "charge.refunded", "data": {"object": {"id": "ch_1", "payment_intent": "pi_1"}}},
        NOW,
        intent_metadata=lambda _: {"event_id": EVENT_ID},
        refunds_of=lambda _: [
            {"id": "re_1", "amount": 100000, "status": "succeeded"},
            {"id": "re_2", "amount": 38000, "status": "succeeded"},
        ],
    )
    assert isinstance(everything, Recorded) and len(everything.payment_ids) == 2
    item = found(events.get(EVENT_ID))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("0.00"), Decimal("0.00"))
    fare_back = [(r["amount"], r["tip"]) for r in item["payments"] if r.get("kind") == "refund"]
    assert fare_back == [(Decimal("1000.00"), Decimal(0)), (Decimal("200.00"), Decimal("180.00"))]
    assert ledger("1200", item["payments"]).tips == Decimal("0.00")


def test_a_session_for_a_missing_trip_is_asked_again_not_dropped(events: FakeLedger) -> None:
    lost = completed()
    lost["data"]["object"]["metadata"]["event_id"] = "2026-07-05-nobody-whale"
    outcome = record(events, lost)
    assert isinstance(outcome, Refused) and outcome.status == 409


def test_a_delayed_method_is_recorded_when_its_payment_succeeds(events: FakeLedger) -> None:
    # A bank debit completes the session unpaid; Stripe sends async_payment_succeeded later.
    assert record(events, completed(status="unpaid")) == Recorded()
    later = completed()
    later["type"] = "checkout.session.async_payment_succeeded"
    outcome = record(events, later)
    assert isinstance(outcome, Recorded) and outcome.payment_ids == [payment_id_for("cs_test_1")]
    assert record(events, completed()) == Recorded()  # the completed one, late: still once


def test_the_deploy_refuses_a_stripe_stand_in_on_lambda() -> None:
    from deploy.environment import merge_environment
    from deploy.errors import DeployError

    stack = {"SCC_TABLE_PREFIX": "scc-prod-", "SCC_BASE_URL": "https://book.charter.example"}
    env = {
        "SCC_SECRET_KEY": "k" * 40,
        "SCC_ORIGIN_SECRET": "o" * 40,
        "SCC_OPERATOR_NAME": "Harbour Charters",
        "SCC_OPERATOR_PHONE": "+1 415 555 0100",
        "SCC_OPERATOR_EMAIL": "office@charter.example",
        "SCC_MAILER": "ses",
        "SCC_SES_FROM": "office@charter.example",
        "SCC_SES_RECIPIENT": "office@charter.example",
    }
    assert "SCC_STRIPE_API_BASE" not in merge_environment({}, env, [], stack, "us-east-1").variables
    with pytest.raises(DeployError, match="SCC_STRIPE_API_BASE must not be set on Lambda"):
        merge_environment(
            {}, {**env, "SCC_STRIPE_API_BASE": "http://127.0.0.1:1"}, [], stack, "us-east-1"
        )


def test_a_paid_session_is_the_whole_ledger_entry_and_a_tip_never_exceeds_the_total() -> None:
    from server.domain.online import refund_entry

    session = {"id": "cs_1", "amount_total": 5000, "payment_intent": "pi_9", "metadata": {}}
    assert payment_entry(session, NOW) == {
        "payment_id": payment_id_for("cs_1"),
        "kind": "payment",
        "amount": Decimal("50.00"),
        "tip": Decimal("0.00"),
        "method": "online",
        "note": "",
        "logged_by": "Stripe",
        "logged_by_name": "Stripe",
        "logged_at": NOW,
        "checkout_session": "cs_1",
        "payment_intent": "pi_9",
    }
    greedy = payment_entry({"id": "cs_2", "amount_total": 1000, "metadata": {"tip": "99"}}, NOW)
    assert (greedy["amount"], greedy["tip"], greedy["payment_intent"]) == (
        Decimal("0.00"),
        Decimal("10.00"),
        "",
    )
    broken = payment_entry({"id": "cs_3", "amount_total": 1000, "metadata": {"tip": "x"}}, NOW)
    assert (broken["amount"], broken["tip"]) == (Decimal("10.00"), Decimal("0"))
    assert refund_entry({"id": "re_1", "amount": 2550}, "p1", NOW) == {
        "payment_id": refund_id_for("re_1"),
        "kind": "refund",
        "refunds": "p1",
        "amount": Decimal("25.50"),
        "method": "online",
        "note": "",
        "logged_by": "Stripe",
        "logged_by_name": "Stripe",
        "logged_at": NOW,
        "stripe_refund": "re_1",
    }
    assert refund_entry({"id": "re_2"}, "p1", NOW)["amount"] == Decimal("0.00")
