"""server/domain/reconcile.py: payments placed on the operator's days, who collected
what by method, per-day takings, and the CSV rows. Pure."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.reconcile import (
    CSV_HEADER,
    Collected,
    LoggedPayment,
    csv_cell,
    csv_rows,
    day_report,
    days_between,
    logged_payments,
    range_totals,
)

LA = ZoneInfo("America/Los_Angeles")
EVENTS: list[dict[str, Any]] = [
    {
        "event_id": "2026-07-04-bo",
        "patron_first_name": "Bo",
        "total_price": 100,
        "payments": [
            {"payment_id": "x", "amount": 5, "method": "cash", "logged_at": "not a time"},
            {
                "payment_id": "b",
                "amount": "20.005",
                "method": "card",
                "note": "=SUM(A1)",
                "logged_by": "sam@x",
                "logged_at": "2026-07-05T06:59:00Z",  # 23:59 on the 4th in LA
            },
            {
                "payment_id": "a",
                "amount": Decimal("30"),
                "method": "cash",
                "logged_by": "pat@x",
                "logged_by_name": "Pat",
                "logged_at": "2026-07-04T16:00:00+00:00",
            },
            {"payment_id": "v", "kind": "void", "voids": "a", "reason": "twice"},
        ],
    },
    {
        "event_id": "2026-07-04",
        "moved_to": "2026-07-04-bo",
        "payments": [{"payment_id": "s", "amount": 1, "logged_at": "2026-07-04T16:00:00Z"}],
    },
    {"event_id": "2026-07-05-new"},
    {
        "event_id": "2026-07-05-al",
        "payments": [
            {
                "payment_id": "c",
                "amount": 7,
                "method": "check",
                "logged_by": "al@x",
                "logged_by_name": "al",
                "logged_at": "2026-07-05T07:00:00Z",
            },
        ],
    },
]


def payments() -> list[LoggedPayment]:
    return logged_payments(EVENTS, LA)


def test_payments_are_placed_on_the_operators_day_oldest_first() -> None:
    found = payments()
    assert [p.payment_id for p in found] == ["a", "b", "c"]
    first, second, third = found
    assert first == LoggedPayment(
        event_id="2026-07-04-bo",
        patron="Bo",
        payment_id="a",
        amount=Decimal("30.00"),
        method="cash",
        note="",
        logged_by="pat@x",
        logged_by_name="Pat",
        logged_at=datetime(2026, 7, 4, 9, 0, tzinfo=LA),
        voided=True,
        void_reason="twice",
    )
    assert second.amount == Decimal("20.01") and second.logged_by_name == "sam@x"
    assert (second.day, third.day) == (date(2026, 7, 4), date(2026, 7, 5))
    assert not second.voided and second.void_reason == ""
    assert third.patron == "" and third.note == ""


def test_a_day_report_totals_each_person_by_method_without_voids() -> None:
    report = day_report(payments(), date(2026, 7, 4))
    assert report.day == date(2026, 7, 4)
    assert [p.payment_id for p in report.payments] == ["a", "b"]
    assert [(c.name, c.email) for c in report.crew] == [("Pat", "pat@x"), ("sam@x", "sam@x")]
    pat, sam = report.crew
    assert (pat.count, pat.total) == (0, Decimal("0.00"))  # voided: counted nowhere
    assert (sam.count, sam.total) == (1, Decimal("20.01"))
    assert sam.by_method["card"].count == 1 and sam.by_method["cash"].count == 0
    assert (report.totals.name, report.totals.email) == ("All crew", "")
    assert (report.totals.count, report.totals.total) == (1, Decimal("20.01"))


def test_crew_are_listed_by_name_whatever_its_case() -> None:
    report = day_report(payments(), date(2026, 7, 5))
    assert [c.name for c in report.crew] == ["al"]
    a = LoggedPayment(
        "e", "", "1", Decimal(1), "cash", "", "z@x", "zed", report.payments[0].logged_at, False
    )
    b = LoggedPayment(
        "e", "", "2", Decimal(1), "cash", "", "b@x", "Bea", report.payments[0].logged_at, False
    )
    assert [c.name for c in day_report([a, b], date(2026, 7, 5)).crew] == ["Bea", "zed"]


def test_an_unknown_method_gets_its_own_total() -> None:
    collected = Collected(name="", email="")
    # Issue 28: "online" (Stripe Checkout) is shown beside the crew's three methods.
    assert list(collected.by_method) == ["cash", "card", "check", "online"]
    collected.add(
        LoggedPayment(
            "e",
            "",
            "1",
            Decimal("2.50"),
            "venmo",
            "",
            "",
            "",
            datetime(2026, 7, 4, tzinfo=LA),
            False,
        )
    )
    assert collected.by_method["venmo"].count == 1 and collected.total == Decimal("2.50")


def test_range_totals_have_every_day_of_the_range() -> None:
    totals = range_totals(payments(), date(2026, 7, 3), date(2026, 7, 5))
    assert all((c.name, c.email) == ("", "") for _, c in totals)
    assert [(d, c.total) for d, c in totals] == [
        (date(2026, 7, 3), Decimal("0.00")),
        (date(2026, 7, 4), Decimal("20.01")),
        (date(2026, 7, 5), Decimal("7.00")),
    ]
    assert [d for d, _ in range_totals(payments(), date(2026, 7, 5), date(2026, 7, 5))] == [
        date(2026, 7, 5)
    ]
    only_fourth = range_totals(payments(), date(2026, 7, 4), date(2026, 7, 4))
    assert [(d, c.total) for d, c in only_fourth] == [(date(2026, 7, 4), Decimal("20.01"))]
    assert days_between(date(2026, 7, 4), date(2026, 7, 3)) == []


def test_csv_rows_are_the_range_with_formulas_defused() -> None:
    assert csv_rows(payments(), date(2026, 7, 4), date(2026, 7, 4)) == [
        CSV_HEADER,
        ["2026-07-04", "09:00", "2026-07-04-bo", "Bo", "30.00", "cash", "", "pat@x", "yes"],
        ["2026-07-04", "23:59", "2026-07-04-bo", "Bo", "20.01", "card", "'=SUM(A1)", "sam@x", "no"],
    ]
    assert csv_rows(payments(), date(2026, 7, 5), date(2026, 7, 5))[1][0] == "2026-07-05"
    assert CSV_HEADER == [
        "date",
        "time",
        "event_id",
        "patron",
        "amount",
        "method",
        "note",
        "logged_by",
        "voided",
    ]


def test_each_formula_start_is_quoted() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(f"{start}1") == f"'{start}1"
    assert csv_cell("1-2") == "1-2"


def test_each_payment_adds_to_its_methods_count_and_total() -> None:
    at = datetime(2026, 7, 4, 9, 0, tzinfo=LA)
    two = [
        LoggedPayment("e", "", "1", Decimal("2.50"), "cash", "", "a@x", "A", at, False),
        LoggedPayment("e", "", "2", Decimal("4.00"), "cash", "", "a@x", "A", at, False),
    ]
    (person,) = day_report(two, date(2026, 7, 4)).crew
    assert (person.by_method["cash"].count, person.by_method["cash"].total) == (2, Decimal("6.50"))
    assert (person.count, person.total) == (2, Decimal("6.50"))


# tips in the cash box (issue 27)


def _paid(by: str, method: str, amount: str, tip: str = "0", voided: bool = False) -> LoggedPayment:
    return LoggedPayment(
        event_id="e",
        patron="",
        payment_id=f"{by}-{method}-{amount}",
        amount=Decimal(amount),
        method=method,
        note="",
        logged_by=by,
        logged_by_name=by,
        logged_at=datetime(2026, 7, 4, 12, tzinfo=LA),
        voided=voided,
        tip=Decimal(tip),
    )


def test_each_crew_member_hands_in_their_cash_and_the_cash_tips_they_took() -> None:
    report = day_report(
        [
            _paid("pat", "cash", "200", "40"),
            _paid("pat", "card", "100", "15"),  # a card tip is not in the box
            _paid("pat", "cash", "0", "60"),  # a tip alone
            _paid("sam", "cash", "50", "5", voided=True),
            _paid("sam", "check", "80"),
        ],
        date(2026, 7, 4),
    )
    pat, sam = report.crew
    assert (pat.cash_to_hand_in, pat.cash_tips, pat.tips) == (
        Decimal(200),
        Decimal(100),
        Decimal(115),
    )
    assert (sam.cash_to_hand_in, sam.cash_tips) == (Decimal(0), Decimal(0))
    assert pat.total == Decimal(300)  # the takings leave the tips out
    assert (report.totals.cash_to_hand_in, report.totals.cash_tips) == (Decimal(200), Decimal(100))


def test_a_stored_tip_is_read_and_an_older_entry_has_none() -> None:
    events = [
        {
            "event_id": "2026-07-04-t",
            "payments": [
                {
                    "payment_id": "t",
                    "amount": 0,
                    "tip": Decimal("12.5"),
                    "method": "cash",
                    "logged_at": "2026-07-04T16:00:00Z",
                },
                {
                    "payment_id": "u",
                    "amount": 3,
                    "method": "cash",
                    "logged_at": "2026-07-04T16:00:00Z",
                },
            ],
        }
    ]
    assert [p.tip for p in logged_payments(events, LA)] == [Decimal("12.50"), Decimal("0.00")]


def test_a_refund_is_a_negative_line_of_its_fare_and_its_tip() -> None:
    paid = {"payment_id": "o", "amount": Decimal(100), "tip": Decimal(20), "method": "online"}
    refund = {
        "payment_id": "r",
        "kind": "refund",
        "refunds": "o",
        "amount": Decimal(100),
        "tip": Decimal(5),
        "method": "online",
        "logged_at": "2026-07-05T16:00:00Z",
    }
    events = [{"event_id": "2026-07-04-o", "payments": [paid, refund]}]
    (line,) = logged_payments(events, LA)
    assert (line.amount, line.tip, line.note) == (Decimal(-100), Decimal(-5), "Refund (Stripe)")


def test_cash_payouts_of_the_day_come_out_of_the_box() -> None:
    from server.domain.reconcile import cash_paid_out

    accounts: list[dict[str, Any]] = [
        {
            "email": "a",
            "tip_payouts": [
                {"amount": Decimal(30), "method": "cash", "paid_on": "2026-07-04"},
                {"amount": Decimal(-5), "method": "cash", "paid_on": "2026-07-04"},
                {"amount": Decimal(99), "method": "payroll", "paid_on": "2026-07-04"},
                {"amount": Decimal(7), "method": "cash", "paid_on": "2026-07-05"},
            ],
        },
        {"email": "b"},
    ]
    assert cash_paid_out(accounts, date(2026, 7, 4)) == Decimal(25)
