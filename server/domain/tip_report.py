"""What each crew member earned in tips (by trip), was paid out, and is still owed
(issue 27), and the payout they are recorded with.

Earned: each trip's tips (its payments not voided) split among its crew
(server/domain/tips.py). Paid out: the payouts recorded on the crew member's account,
corrections included (a negative amount). Payouts are applied to the oldest trips
first, so every trip's share shows how much of it is paid; a trip with card tips whose
share is not fully paid by the next regular payday after it (SCC_PAYDAY, California
Labor Code §351) is flagged overdue.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from server.domain.event_ids import FIRST_YEAR, LAST_YEAR
from server.domain.forms import FormErrors, text_field
from server.domain.money import ZERO, money_str, parse_amount, to_money
from server.domain.payday import Payday
from server.domain.payments import ledger
from server.domain.records import EventMap
from server.domain.tips import trip_split

# Card tips reach the operator's account: §351 wants them paid out by the next payday.
CARD_METHODS = ("card", "online")
PAYOUT_METHODS = ("cash", "payroll")
MAX_PAYOUT_NOTE = 200


@dataclass(frozen=True)
class TripTips:
    """One trip's tip pool: all of it, and the part paid by card."""

    event_id: str
    day: date
    label: str
    pool: Decimal
    card: Decimal


@dataclass
class Share:
    """One crew member's share of one trip's tips, and how much of it is paid out."""

    trip: TripTips
    email: str
    name: str
    share: Decimal
    paid_out: Decimal = ZERO
    due: date | None = None  # the payday its card tips are owed by

    @property
    def owed(self) -> Decimal:
        return self.share - self.paid_out

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.owed > ZERO and today > self.due


@dataclass
class CrewTips:
    email: str
    name: str
    shares: list[Share] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def earned(self) -> Decimal:
        return sum((s.share for s in self.shares), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((to_money(p.get("amount", 0)) for p in self.payouts), ZERO)

    @property
    def owed(self) -> Decimal:
        return self.earned - self.paid

    def overdue(self, today: date) -> list[Share]:
        return [s for s in self.shares if s.overdue(today)]

    def within(self, start: date, end: date) -> CrewTips:
        """The same member, with only the trips and payouts dated in the range."""
        return CrewTips(
            email=self.email,
            name=self.name,
            shares=[s for s in self.shares if start <= s.trip.day <= end],
            payouts=[p for p in self.payouts if start <= p["paid_day"] <= end],
        )


def trip_tips(event: EventMap) -> TripTips | None:
    """An event's tips, or None for a stub or a trip without tips."""
    if "moved_to" in event:
        return None
    book = ledger(0, event.get("payments", []))
    pool = book.tips
    if pool <= ZERO:
        return None
    card = sum((to_money(p["tip"]) for p in book.counted if p.get("method") in CARD_METHODS), ZERO)
    label = " · ".join(
        str(part) for part in (event.get("patron_first_name"), event.get("period")) if part
    )
    return TripTips(
        event_id=str(event["event_id"]),
        day=date.fromisoformat(str(event["date"])),
        label=label,
        pool=pool,
        card=card,
    )


def tips_by_crew(
    events: Iterable[EventMap],
    payouts: Mapping[str, list[dict[str, Any]]],
    names: Mapping[str, str],
    role_shares: Mapping[str, Decimal],
    payday: Payday,
) -> dict[str, CrewTips]:
    """Every crew member's tips, all time: shares by trip (oldest first) with the
    payouts applied oldest first. A member with payouts and no trips is listed too."""
    crew: dict[str, CrewTips] = {}

    def member(email: str, name: str) -> CrewTips:
        return crew.setdefault(email, CrewTips(email=email, name=name))

    for event in events:
        tips = trip_tips(event)
        if tips is None:
            continue
        for person, share in trip_split(event, tips.pool, names, role_shares):
            due = payday.next_after(tips.day) if tips.card > ZERO else None
            entry = Share(trip=tips, email=person.email, name=person.name, share=share, due=due)
            member(person.email, person.name).shares.append(entry)
    for email, entries in payouts.items():
        if entries:
            member(email, names.get(email, email)).payouts.extend(map(_payout, entries))
    for person_tips in crew.values():
        person_tips.shares.sort(key=lambda s: (s.trip.day, s.trip.event_id))
        person_tips.payouts.sort(key=lambda p: (p["paid_day"], str(p.get("recorded_at"))))
        left = person_tips.paid
        for trip_share in person_tips.shares:
            trip_share.paid_out = max(min(trip_share.share, left), ZERO)
            left -= trip_share.paid_out
    return dict(sorted(crew.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))


def _payout(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored payout as the pages read it: money as money, its day as a date."""
    return {
        **stored,
        "amount": to_money(stored.get("amount", 0)),
        "paid_day": date.fromisoformat(str(stored["paid_on"])),
    }


@dataclass(frozen=True)
class PayoutRequest:
    payout_id: str
    email: str
    amount: Decimal
    method: str
    paid_on: date
    note: str

    def entry(self, recorded_by: str, recorded_at: str) -> dict[str, Any]:
        return {
            "payout_id": self.payout_id,
            "amount": self.amount,
            "method": self.method,
            "paid_on": self.paid_on.isoformat(),
            "note": self.note,
            "recorded_by": recorded_by,
            "recorded_at": recorded_at,
        }


def validate_payout(form: Mapping[str, object], crew: Iterable[str]) -> PayoutRequest:
    """A payout form: who (a crew account), how much (the amount rule; `correction`
    makes it negative: a correction is a new entry, never an edit), cash or payroll,
    the day paid, a note (required for a correction)."""
    errors: dict[str, str] = {}
    try:
        payout_id = str(uuid.UUID(text_field(form, "payout_id")))
    except ValueError:
        errors["form"] = "This form is missing its key. Reload the page and try again."
        payout_id = ""
    email = text_field(form, "email").lower()
    if email not in set(crew):
        errors["email"] = "Choose a crew member."
    amount = ZERO
    try:
        amount = parse_amount(text_field(form, "amount"))
    except ValueError as exc:
        errors["amount"] = str(exc)
    correction = text_field(form, "correction") == "yes"
    method = text_field(form, "method")
    if method not in PAYOUT_METHODS:
        errors["method"] = "Choose cash or payroll."
    paid_on = date.min
    try:
        paid_on = date.fromisoformat(text_field(form, "paid_on"))
    except ValueError:
        errors["paid_on"] = "Enter the day it was paid, like 2026-07-04."
    else:
        if not FIRST_YEAR <= paid_on.year <= LAST_YEAR:  # as a trip's date
            errors["paid_on"] = f"Enter a day between {FIRST_YEAR} and {LAST_YEAR}."
    note = text_field(form, "note")
    if len(note) > MAX_PAYOUT_NOTE:
        errors["note"] = f"Keep the note to {MAX_PAYOUT_NOTE} characters."
    elif correction and not note:
        errors["note"] = "Say what the correction corrects."
    if errors:
        raise FormErrors(errors)
    signed = -amount if correction else amount
    return PayoutRequest(payout_id, email, signed, method, paid_on, note)


TIPS_CSV_HEADER = ["date", "event_id", "crew_email", "crew_name", "share", "paid_out"]


def tips_csv_rows(crew: Iterable[CrewTips], start: date, end: date, cell: Any) -> list[list[str]]:
    """One row per crew member per trip in the range; `cell` makes text formula-safe."""
    rows = [TIPS_CSV_HEADER]
    shares = [s for c in crew for s in c.shares if start <= s.trip.day <= end]
    for s in sorted(shares, key=lambda s: (s.trip.day, s.trip.event_id, s.name.casefold())):
        rows.append(
            [
                s.trip.day.isoformat(),
                cell(s.trip.event_id),
                cell(s.email),
                cell(s.name),
                money_str(s.share),
                money_str(s.paid_out),
            ]
        )
    return rows
