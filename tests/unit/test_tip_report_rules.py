"""server/domain/tip_report.py: earned by trip, payouts applied oldest first, card tips
past payday, the payout form and the CSV rows. Pure: no store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from server.domain.forms import FormErrors
from server.domain.payday import parse_payday
from server.domain.reconcile import csv_cell
from server.domain.tip_report import tips_by_crew, tips_csv_rows, trip_tips, validate_payout

KEY = "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11"
CREW = [{"email": "a@x", "role": "master"}, {"email": "b@x", "role": "deckhand"}]
NAMES = {"a@x": "Ann", "b@x": "Bo"}
FRIDAYS = parse_payday("weekly:fri")


def trip(day: str, *payments: dict[str, Any], name: str = "Al") -> dict[str, Any]:
    return {
        "event_id": f"{day}-{name.lower()}",
        "date": day,
        "patron_first_name": name,
        "crew_assigned": CREW,
        "payments": list(payments),
    }


def paid(pid: str, tip: str, method: str = "cash") -> dict[str, Any]:
    return {"payment_id": pid, "amount": Decimal(10), "tip": Decimal(tip), "method": method}


def test_a_trips_pool_leaves_out_voided_tips_and_counts_card_and_online() -> None:
    event = trip(
        "2026-07-01",
        paid("p", "10"),
        paid("q", "6", "card"),
        paid("r", "4", "online"),
        paid("s", "99", "card"),
        {"payment_id": "v", "kind": "void", "voids": "s", "reason": "x"},
    )
    tips = trip_tips(event)
    assert tips is not None and (tips.pool, tips.card) == (Decimal(20), Decimal(10))
    assert trip_tips(trip("2026-07-01", paid("p", "0"))) is None
    assert trip_tips({"event_id": "old", "moved_to": "new"}) is None


def test_payouts_go_to_the_oldest_trip_first_and_card_tips_are_due_by_payday() -> None:
    events = [
        trip("2026-07-08", paid("p", "20", "card"), name="Cy"),  # a Wednesday
        trip("2026-07-01", paid("q", "30", "card")),
    ]
    payouts = {"b@x": [{"payout_id": "1", "amount": Decimal(17), "paid_on": "2026-07-03"}]}
    crew = tips_by_crew(events, payouts, NAMES, {}, FRIDAYS)
    bo = crew["b@x"]
    assert [(s.trip.day.day, s.share, s.paid_out) for s in bo.shares] == [
        (1, Decimal(15), Decimal(15)),
        (8, Decimal(10), Decimal(2)),
    ]
    assert (bo.earned, bo.paid, bo.owed) == (Decimal(25), Decimal(17), Decimal(8))
    assert bo.shares[1].due == date(2026, 7, 10)
    assert bo.overdue(date(2026, 7, 10)) == []  # on payday itself: not yet late
    assert [s.trip.day.day for s in bo.overdue(date(2026, 7, 11))] == [8]
    assert [s.trip.day.day for s in crew["a@x"].overdue(date(2026, 7, 11))] == [1, 8]
    within = bo.within(date(2026, 7, 5), date(2026, 7, 31))
    assert (within.earned, within.paid) == (Decimal(10), Decimal(0))


def test_cash_tips_are_never_flagged_and_a_correction_takes_off() -> None:
    events = [trip("2026-07-01", paid("p", "20"))]
    payouts = {
        "a@x": [
            {"payout_id": "1", "amount": Decimal(15), "paid_on": "2026-07-01"},
            {"payout_id": "2", "amount": Decimal(-5), "paid_on": "2026-07-02"},
        ],
        "z@x": [{"payout_id": "3", "amount": Decimal(1), "paid_on": "2026-07-02"}],
    }
    crew = tips_by_crew(events, payouts, NAMES, {}, FRIDAYS)
    assert crew["a@x"].owed == Decimal(0) and crew["a@x"].overdue(date(2027, 1, 1)) == []
    assert crew["z@x"].shares == [] and crew["z@x"].owed == Decimal(-1)  # listed, no trips
    assert list(crew) == ["a@x", "b@x", "z@x"]  # by name (z@x is named by its email)


def form(**overrides: str) -> dict[str, str]:
    values = {"payout_id": KEY, "email": "B@x", "amount": "12.50", "method": "cash"}
    return {**values, "paid_on": "2026-07-04", "note": "", **overrides}


def test_a_payout_form_is_read_and_a_correction_is_negative_with_a_note() -> None:
    payout = validate_payout(form(), ["b@x"])
    assert (payout.email, payout.amount, payout.paid_on) == (
        "b@x",
        Decimal("12.50"),
        date(2026, 7, 4),
    )
    fix = validate_payout(form(correction="yes", note="typo"), ["b@x"])
    assert fix.amount == Decimal("-12.50")
    assert fix.entry("cap@x", "t")["paid_on"] == "2026-07-04"
    with pytest.raises(FormErrors) as caught:
        validate_payout(
            form(payout_id="x", email="c@x", method="venmo", paid_on="soon", correction="yes"),
            ["b@x"],
        )
    assert set(caught.value.errors) == {"form", "email", "method", "paid_on", "note"}


def test_the_csv_rows_are_the_range_one_per_member_per_trip_formula_safe() -> None:
    events = [trip("2026-07-01", paid("p", "10")), trip("2026-07-09", paid("q", "4"), name="Cy")]
    crew = tips_by_crew(events, {}, {"a@x": "=Ann", "b@x": "Bo"}, {}, FRIDAYS)
    rows = tips_csv_rows(crew.values(), date(2026, 7, 1), date(2026, 7, 2), csv_cell)
    assert rows == [
        ["date", "event_id", "crew_email", "crew_name", "share", "paid_out"],
        ["2026-07-01", "2026-07-01-al", "a@x", "'=Ann", "5.00", "0.00"],
        ["2026-07-01", "2026-07-01-al", "b@x", "Bo", "5.00", "0.00"],
    ]


def test_a_payout_becomes_the_entry_stored_with_who_recorded_it() -> None:
    payout = validate_payout(form(method="payroll", note=" week 27 "), ["b@x"])
    assert payout.entry("cap@x", "2026-07-04T18:00:00Z") == {
        "payout_id": KEY,
        "amount": Decimal("12.50"),
        "method": "payroll",
        "paid_on": "2026-07-04",
        "note": "week 27",
        "recorded_by": "cap@x",
        "recorded_at": "2026-07-04T18:00:00Z",
    }


def test_each_bad_payout_field_has_its_message() -> None:
    with pytest.raises(FormErrors) as caught:
        validate_payout(
            form(payout_id="", email="", amount="abc", method="", paid_on="", correction="yes"),
            ["b@x"],
        )
    assert caught.value.errors == {
        "form": "This form is missing its key. Reload the page and try again.",
        "email": "Choose a crew member.",
        "amount": "Enter an amount in dollars and cents, like 40 or 1,200.50.",
        "method": "Choose cash or payroll.",
        "paid_on": "Enter the day it was paid, like 2026-07-04.",
        "note": "Say what the correction corrects.",
    }
    assert validate_payout(form(note="n" * 200), ["b@x"]).note == "n" * 200
    with pytest.raises(FormErrors) as long:
        validate_payout(form(note="n" * 201), ["b@x"])
    assert long.value.errors == {"note": "Keep the note to 200 characters."}
    assert validate_payout(form(correction="no"), ["b@x"]).amount == Decimal("12.50")


def test_a_trips_tips_are_labelled_by_party_and_period_and_a_moved_stub_has_none() -> None:
    from server.domain.tip_report import TripTips

    event = {**trip("2026-07-01", paid("p", "10", "card")), "period": "Sunset"}
    assert trip_tips(event) == TripTips(
        event_id="2026-07-01-al",
        day=date(2026, 7, 1),
        label="Al · Sunset",
        pool=Decimal("10.00"),
        card=Decimal("10.00"),
    )
    cash_only = trip_tips({**event, "payments": [paid("p", "3")], "patron_first_name": ""})
    assert cash_only is not None
    assert (cash_only.label, cash_only.card) == ("Sunset", Decimal(0))
    assert trip_tips({**event, "moved_to": "2026-07-02-al"}) is None
    bare = {"event_id": "2026-07-03-x", "date": "2026-07-03"}
    assert trip_tips(bare) is None


def test_the_csv_range_includes_its_last_day() -> None:
    crew = tips_by_crew([trip("2026-07-02", paid("p", "10"))], {}, NAMES, {}, FRIDAYS)
    rows = tips_csv_rows(crew.values(), date(2026, 7, 1), date(2026, 7, 2), csv_cell)
    assert [row[1] for row in rows[1:]] == ["2026-07-02-al", "2026-07-02-al"]
