"""End-of-day reconciliation: who collected what, by method, on which day; per-day
takings for a range; the CSV export. Pure domain code (no Starlette, no boto3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.clock import as_utc, input_time
from server.domain.money import ZERO, money_str, to_money
from server.domain.payments import SHOWN_METHODS, ledger
from server.domain.records import EventMap, LedgerEntry

MAX_RANGE_DAYS = 92


@dataclass(frozen=True)
class LoggedPayment:
    """One payment entry with its event, placed on the operator's calendar."""

    event_id: str
    patron: str
    payment_id: str
    amount: Decimal
    method: str
    note: str
    logged_by: str
    logged_by_name: str
    logged_at: datetime  # in the operator's time zone
    voided: bool
    void_reason: str = ""
    tip: Decimal = ZERO  # the crew's: never in the takings, but in the cash box if cash

    @property
    def day(self) -> date:
        return self.logged_at.date()


def logged_payments(events: Iterable[EventMap], tz: ZoneInfo) -> list[LoggedPayment]:
    """Every payment in these events (stubs skipped), oldest first."""
    found = []
    for event in events:
        if "moved_to" in event:
            continue  # its payments live on under the new id
        # ledger() fills every key of an entry (older entries too), so they are read as
        # they are; its total is not needed here.
        book = ledger(0, event.get("payments", []))
        reasons = {str(v["voids"]): str(v["reason"]) for v in book.voids}
        # An online refund counts on its own day as money given back (a negative line).
        refunds: list[LedgerEntry] = [
            {
                **r,
                "amount": -to_money(r["amount"]),
                "tip": -to_money(r["tip"]),
                "note": r["note"] or "Refund (Stripe)",
            }
            for r in book.refunds
        ]
        for p in [*book.payments, *refunds]:
            stamp = str(p["logged_at"])
            try:
                at = as_utc(stamp, naive_is_utc=True).astimezone(tz)
            except ValueError:
                continue  # an entry without a usable time cannot be placed on a day
            payment_id = str(p["payment_id"])
            found.append(
                LoggedPayment(
                    event_id=str(event["event_id"]),
                    patron=str(event.get("patron_first_name", "")),
                    payment_id=payment_id,
                    amount=to_money(p["amount"]),
                    method=str(p["method"]),
                    note=str(p["note"]),
                    logged_by=str(p["logged_by"]),
                    logged_by_name=str(p["logged_by_name"]),
                    logged_at=at,
                    voided=payment_id in reasons,
                    void_reason=reasons.get(payment_id, ""),
                    tip=to_money(p["tip"]),
                )
            )
    return sorted(found, key=lambda p: p.logged_at)


@dataclass
class MethodTotal:
    count: int = 0
    total: Decimal = ZERO

    def add(self, amount: Decimal) -> None:
        self.count += 1
        self.total += amount


@dataclass
class Collected:
    """What one person (or the whole day) collected, by method; voids excluded."""

    name: str
    email: str
    by_method: dict[str, MethodTotal] = field(
        default_factory=lambda: {m: MethodTotal() for m in SHOWN_METHODS}
    )

    # Tips collected, by method (issue 27): kept apart from the takings above.
    tips_by_method: dict[str, Decimal] = field(default_factory=dict)

    def add(self, payment: LoggedPayment) -> None:
        if not payment.voided:
            self.by_method.setdefault(payment.method, MethodTotal()).add(payment.amount)
            if payment.tip:
                held = self.tips_by_method.get(payment.method, ZERO)
                self.tips_by_method[payment.method] = held + payment.tip

    @property
    def cash_to_hand_in(self) -> Decimal:
        """The cash payments logged: what goes into the cash box for the trips."""
        return self.by_method["cash"].total if "cash" in self.by_method else ZERO

    @property
    def cash_tips(self) -> Decimal:
        """The cash tips collected: in the cash box too, until paid out to the crew."""
        return self.tips_by_method.get("cash", ZERO)

    @property
    def tips(self) -> Decimal:
        return sum(self.tips_by_method.values(), ZERO)

    @property
    def count(self) -> int:
        return sum(t.count for t in self.by_method.values())

    @property
    def total(self) -> Decimal:
        return sum((t.total for t in self.by_method.values()), ZERO)


@dataclass(frozen=True)
class DayReport:
    day: date
    payments: list[LoggedPayment]
    crew: list[Collected]
    totals: Collected


def day_report(payments: Iterable[LoggedPayment], day: date) -> DayReport:
    todays = [p for p in payments if p.day == day]
    crew: dict[str, Collected] = {}
    totals = Collected(name="All crew", email="")
    for p in todays:
        crew.setdefault(p.logged_by, Collected(name=p.logged_by_name, email=p.logged_by)).add(p)
        totals.add(p)
    return DayReport(
        day=day,
        payments=todays,
        crew=sorted(crew.values(), key=lambda c: c.name.casefold()),
        totals=totals,
    )


def cash_paid_out(accounts: Iterable[dict[str, Any]], day: date) -> Decimal:
    """The tips paid out in cash on `day` (the payouts on the crew accounts, corrections
    included): they leave the cash box."""
    return sum(
        (
            to_money(p.get("amount", 0))
            for a in accounts
            for p in a.get("tip_payouts", [])
            if p.get("method") == "cash" and p.get("paid_on") == day.isoformat()
        ),
        ZERO,
    )


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def range_totals(
    payments: Iterable[LoggedPayment], start: date, end: date
) -> list[tuple[date, Collected]]:
    """Takings per day by method, every day of the range (empty days included)."""
    per_day: dict[date, Collected] = defaultdict(lambda: Collected(name="", email=""))
    for p in payments:
        if start <= p.day <= end:
            per_day[p.day].add(p)
    return [(d, per_day[d]) for d in days_between(start, end)]


CSV_HEADER = [
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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_rows(payments: Iterable[LoggedPayment], start: date, end: date) -> list[list[str]]:
    rows = [CSV_HEADER]
    for p in payments:
        if start <= p.day <= end:
            rows.append(
                [
                    p.day.isoformat(),
                    input_time(p.logged_at),
                    csv_cell(p.event_id),
                    csv_cell(p.patron),
                    money_str(p.amount),
                    csv_cell(p.method),
                    csv_cell(p.note),
                    csv_cell(p.logged_by),
                    "yes" if p.voided else "no",
                ]
            )
    return rows
