"""The tip report's edges (server/domain/tip_report.py): a range keeps the trips and
payouts of its first and last days, the payout day's years, who is who (a member's
email and name, with payouts and no trips too), the order of members and payouts,
which trips' tips fall due on payday, and the captain's role shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from server.domain.event_ids import FIRST_YEAR, LAST_YEAR
from server.domain.forms import FormErrors
from server.domain.payday import parse_payday
from server.domain.tip_report import tips_by_crew, validate_payout

KEY = "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11"
CREW = [{"email": "a@x", "role": "master"}, {"email": "b@x", "role": "deckhand"}]
NAMES = {"a@x": "Ann", "b@x": "Bo"}
FRIDAYS = parse_payday("weekly:fri")


def trip(day: str, tip: str, method: str = "cash", crew: Any = None) -> dict[str, Any]:
    payment = {"payment_id": f"p-{day}", "amount": Decimal(10), "tip": Decimal(tip)}
    return {
        "event_id": f"{day}-al",
        "date": day,
        "patron_first_name": "Al",
        "crew_assigned": CREW if crew is None else crew,
        "payments": [{**payment, "method": method}],
    }


def payout(pid: str, amount: str, day: str, at: str = "") -> dict[str, Any]:
    return {"payout_id": pid, "amount": Decimal(amount), "paid_on": day, "recorded_at": at}


def test_a_range_keeps_the_trips_and_payouts_of_its_first_and_last_days() -> None:
    days = ["2026-06-30", "2026-07-01", "2026-07-15", "2026-07-31", "2026-08-01"]
    events = [trip(day, "2") for day in days]
    payouts = {"b@x": [payout(str(n), "0.10", day) for n, day in enumerate(days)]}
    bo = tips_by_crew(events, payouts, NAMES, {}, FRIDAYS)["b@x"]
    july = bo.within(date(2026, 7, 1), date(2026, 7, 31))
    assert (july.email, july.name) == ("b@x", "Bo")
    assert [s.trip.day.isoformat() for s in july.shares] == days[1:4]
    assert [p["paid_day"].isoformat() for p in july.payouts] == days[1:4]
    assert (july.earned, july.paid) == (Decimal("3.00"), Decimal("0.30"))


def form(paid_on: str) -> dict[str, str]:
    return {"payout_id": KEY, "email": "b@x", "amount": "5", "method": "cash", "paid_on": paid_on}


def test_a_payout_day_is_in_the_years_a_trip_can_be() -> None:
    for day in (f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31"):
        assert validate_payout(form(day), ["b@x"]).paid_on == date.fromisoformat(day)
    for day in (f"{FIRST_YEAR - 1}-12-31", f"{LAST_YEAR + 1}-01-01"):
        with pytest.raises(FormErrors) as caught:
            validate_payout(form(day), ["b@x"])
        assert caught.value.errors == {"paid_on": "Enter a day between 2000 and 2100."}


def test_members_are_listed_by_name_then_email_each_with_their_own() -> None:
    crew = [{"email": "a@x", "role": "master"}, {"email": "c@x", "role": "deckhand"}]
    names = {"a@x": "Zed", "c@x": "amy", "b@x": "Amy"}
    payouts = {"b@x": [payout("1", "4", "2026-07-02")], "d@x": []}
    members = tips_by_crew([trip("2026-07-01", "6", crew=crew)], payouts, names, {}, FRIDAYS)
    assert list(members) == ["b@x", "c@x", "a@x"]  # Amy, amy (by email), Zed; no d@x
    assert [(m.email, m.name) for m in members.values()] == [
        ("b@x", "Amy"),  # payouts and no trips: still named
        ("c@x", "amy"),
        ("a@x", "Zed"),
    ]


def test_a_members_payouts_are_by_day_then_by_when_they_were_recorded() -> None:
    payouts = {
        "b@x": [
            payout("late", "1", "2026-07-03", "2026-07-03T20:00:00Z"),
            payout("early", "2", "2026-07-03", "2026-07-03T09:00:00Z"),
            payout("first", "3", "2026-07-02", "2026-07-09T09:00:00Z"),
        ]
    }
    bo = tips_by_crew([], payouts, NAMES, {}, FRIDAYS)["b@x"]
    assert [p["payout_id"] for p in bo.payouts] == ["first", "early", "late"]
    assert [str(p["amount"]) for p in bo.payouts] == ["3.00", "2.00", "1.00"]  # as money


def test_a_trip_without_tips_is_passed_over_not_the_end_of_the_list() -> None:
    events = [trip("2026-07-01", "0"), trip("2026-07-02", "8")]
    bo = tips_by_crew(events, {}, NAMES, {}, FRIDAYS)["b@x"]
    assert [(s.trip.day.day, s.share) for s in bo.shares] == [(2, Decimal("4.00"))]


def test_only_a_trip_with_card_tips_has_a_payday_due() -> None:
    events = [trip("2026-07-01", "8"), trip("2026-07-08", "8", "card")]  # Wednesdays
    bo = tips_by_crew(events, {}, NAMES, {}, FRIDAYS)["b@x"]
    assert [(s.trip.day.day, s.due) for s in bo.shares] == [(1, None), (8, date(2026, 7, 10))]


def test_the_role_shares_weigh_the_split() -> None:
    shares = {"master": Decimal(2), "deckhand": Decimal(1)}
    crew = tips_by_crew([trip("2026-07-01", "9")], {}, NAMES, shares, FRIDAYS)
    assert (crew["a@x"].earned, crew["b@x"].earned) == (Decimal("6.00"), Decimal("3.00"))
