"""Payments: what a valid Log Payment is, and what an event's ledger adds up to.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import cast

from server.domain.forms import FormErrors, text_field
from server.domain.money import ZERO, money_str, parse_amount, parse_tip, to_money
from server.domain.records import EntryMap, Event, EventMap, LedgerEntry

METHODS = ("cash", "card", "check")
# Every method a ledger entry can carry, as the reports show them: the crew's and
# "online" (a patron's Stripe Checkout payment, recorded only by its webhook).
SHOWN_METHODS = (*METHODS, "online")
MAX_NOTE = 500
# DynamoDB refuses items over 400 KB. An event's ledger (payments, voids and their ids)
# is capped well below that, leaving room for the event's other fields: by entry count
# and by an estimate of the bytes the entries take, kept on the item as `ledger_bytes`
# by the same UpdateItem that appends, so the check is atomic.
MAX_ENTRIES = 2000
MAX_LEDGER_BYTES = 300_000


def entry_bytes(entry: EntryMap) -> int:
    """An upper estimate of what one entry adds to the item: its attribute names and
    values as UTF-8, its id in `payment_ids`, and per-attribute overhead."""
    size = 0
    for name, value in entry.items():
        size += len(name.encode()) + len(str(value).encode()) + 3
    return size + len(str(entry.get("payment_id", "")).encode()) + 16


@dataclass(frozen=True)
class PaymentRequest:
    """A validated Log Payment form."""

    payment_id: str
    amount: Decimal
    method: str
    note: str
    # Never part of the price or the balance due (issue 27): the crew's, split among
    # them (server/domain/tips.py). 0.00 when none was given.
    tip: Decimal = ZERO

    def entry(self, logged_by: str, logged_by_name: str, logged_at: str) -> LedgerEntry:
        """The ledger entry this payment appends."""
        return {
            "payment_id": self.payment_id,
            "kind": "payment",
            "amount": self.amount,
            "tip": self.tip,
            "method": self.method,
            "note": self.note,
            "logged_by": logged_by,
            "logged_by_name": logged_by_name,
            "logged_at": logged_at,
        }

    def replay_of(self, item: EventMap) -> LedgerEntry | None:
        """The entry this request already stored on `item` (same key, same body), or
        None: then the key was used for a different payment."""
        stored = next(
            (p for p in item.get("payments", []) if p.get("payment_id") == self.payment_id), None
        )
        return stored if stored is not None and self.same_body_as(stored) else None

    def same_body_as(self, entry: EntryMap) -> bool:
        """Whether a stored entry carries this request's amount, tip, method and note: a
        replay with the same key and body answers as the first; anything else is 409.
        (Entries stored before tips were kept have none: 0.)"""
        return (
            entry.get("kind", "payment") == "payment"
            and to_money(entry.get("amount", 0)) == self.amount
            and to_money(entry.get("tip", 0)) == self.tip
            and entry.get("method") == self.method
            and entry.get("note", "") == self.note
        )


def parse_payment_id(value: str) -> str:
    """Any well-formed UUID, in canonical lower-case form."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        raise FormErrors(
            {"form": "This form is missing its payment key. Reload the page and try again."}
        ) from None


def validate_payment(form: Mapping[str, object]) -> PaymentRequest:
    """Check every field of a Log Payment form; raise FormErrors with each field's message."""
    errors: dict[str, str] = {}
    try:
        payment_id = parse_payment_id(text_field(form, "payment_id"))
    except FormErrors as exc:
        errors.update(exc.errors)
        payment_id = ""
    tip = ZERO
    try:
        tip = parse_tip(text_field(form, "tip"))
    except ValueError as exc:
        errors["tip"] = str(exc)
    amount = ZERO
    try:
        # A payment may be a tip alone ("the guests handed us $60 at the dock"): then
        # the amount may be 0, never blank; 0 with no tip is still refused.
        amount = parse_amount(text_field(form, "amount"), zero_ok=tip > ZERO)
    except ValueError as exc:
        errors["amount"] = str(exc)
    method = text_field(form, "method")
    if method not in METHODS:
        errors["method"] = "Choose cash, card or check."
    note = text_field(form, "note", multiline=True)
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE} characters (it has {len(note)})."
    if errors:
        raise FormErrors(errors)
    return PaymentRequest(payment_id=payment_id, amount=amount, method=method, note=note, tip=tip)


_SHOWN_BALANCE = re.compile(r"^-?\d{1,12}\.\d{2}$", re.ASCII)


def over_balance(form: Mapping[str, object], amount: Decimal) -> Decimal | None:
    """How far `amount` goes past the balance due the form showed (its `balance_due`
    field), unless the crew member already confirmed this very amount (`confirm_over`):
    then None, as for any amount within the balance. A form without the field (the JSON
    API, the offline queue) is never asked: it was confirmed, if at all, on the phone."""
    shown_text = text_field(form, "balance_due")
    if not _SHOWN_BALANCE.match(shown_text):
        return None  # no balance shown (or not one we wrote): nothing to compare with
    shown = Decimal(shown_text)
    over = amount - max(shown, ZERO)
    if over <= ZERO or text_field(form, "confirm_over") == money_str(amount):
        return None
    return over


def validate_void_reason(form: Mapping[str, object]) -> str:
    reason = text_field(form, "reason")
    if not reason:
        raise FormErrors({"reason": "Say why this payment is voided."})
    if len(reason) > MAX_NOTE:
        raise FormErrors({"reason": f"Keep the reason to {MAX_NOTE} characters."})
    return reason


@dataclass(frozen=True)
class Ledger:
    """An event's money: payments in the order logged, voids applied. Built from the
    append's answer (`from_totals`), it holds no entries: the totals stand in."""

    total: Decimal
    payments: list[LedgerEntry] = field(default_factory=list)
    voids: list[LedgerEntry] = field(default_factory=list)
    # Online refunds (`kind: "refund"`, server/domain/online.py): each takes its amount
    # off what was paid and its tip off the tips.
    refunds: list[LedgerEntry] = field(default_factory=list)
    # (paid, payment count) kept on the item by the append (server/store/totals.py).
    totals: tuple[Decimal, int] | None = None
    # `tips_total`, kept by the same append (None: summed from the entries).
    tips_total: Decimal | None = None

    @property
    def voided_ids(self) -> set[str]:
        return {str(v.get("voids")) for v in self.voids}

    @property
    def counted(self) -> list[LedgerEntry]:
        voided = self.voided_ids
        return [p for p in self.payments if p.get("payment_id") not in voided]

    @property
    def paid(self) -> Decimal:
        if self.totals is not None:
            return self.totals[0]
        paid = sum((to_money(p.get("amount", 0)) for p in self.counted), ZERO)
        return paid - sum((to_money(r.get("amount", 0)) for r in self.refunds), ZERO)

    @property
    def tips(self) -> Decimal:
        """The tips of the payments not voided, less what refunds gave back of them:
        never part of `paid` or the balance."""
        if self.tips_total is not None:
            return self.tips_total
        tips = sum((to_money(p.get("tip", 0)) for p in self.counted), ZERO)
        return tips - sum((to_money(r.get("tip", 0)) for r in self.refunds), ZERO)

    @property
    def balance_due(self) -> Decimal:
        return to_money(self.total) - self.paid

    @property
    def overpaid(self) -> bool:
        return self.balance_due < ZERO

    @property
    def payment_count(self) -> int:
        if self.totals is not None:
            return self.totals[1]
        return len(self.counted)


_ENTRY_DEFAULTS: LedgerEntry = {
    "payment_id": "",
    "amount": ZERO,
    "tip": ZERO,
    "method": "",
    "note": "",
    "logged_by": "",
    "logged_by_name": "",
    "logged_at": "",
    "voids": "",
    "reason": "",
}


def book_of(item: EventMap) -> Ledger:
    """An event item's ledger: summed from its entries when it holds them (the pages
    that read the item), else the totals the append answered with (Log Payment)."""
    if "payments" not in item and "paid_total" in item:
        paid = (to_money(item["paid_total"]), int(item.get("payment_count", 0)))
        tips = to_money(item.get("tips_total", 0))
        return Ledger(total=to_money(item.get("total_price", 0)), totals=paid, tips_total=tips)
    return ledger(item.get("total_price", 0), item.get("payments", []))


def ledger(total: Decimal | int | str, entries: Iterable[EntryMap]) -> Ledger:
    """Split the stored append-only list into payments and voids (entries without a
    `kind`, like the operator's older items, are payments)."""
    payments: list[LedgerEntry] = []
    voids: list[LedgerEntry] = []
    refunds: list[LedgerEntry] = []
    split = {"void": voids, "refund": refunds}
    for stored in entries:
        # Older entries may lack fields this app writes; pages can rely on every one.
        entry = cast("LedgerEntry", {**_ENTRY_DEFAULTS, **stored})
        entry["logged_by_name"] = entry["logged_by_name"] or entry["logged_by"]
        split.get(str(entry.get("kind")), payments).append(entry)
    return Ledger(total=to_money(total), payments=payments, voids=voids, refunds=refunds)


class Refusal(StrEnum):
    """Why a payment or void was not appended."""

    MISSING = "missing"  # no such event, or only its redirect stub
    RENAMING = "renaming"
    DUPLICATE = "duplicate"  # this payment_id is already stored
    UNKNOWN_TARGET = "unknown_target"  # a void of a payment the event does not hold
    ALREADY_VOIDED = "already_voided"
    NOT_A_PAYMENT = "not_a_payment"  # a void of a void
    CANCELLED = "cancelled"
    FULL = "full"  # the entry cap or the ledger's byte cap
    CONFLICT = "conflict"  # changed between the write and the read that explains it


class AppendRefused(Exception):
    """A conditional ledger append did not happen; `reason` says why and `item` is the
    event as read right after (None when it does not exist). Raised by the store."""

    def __init__(self, reason: Refusal, item: Event | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.item = item


def is_void(item: EventMap, entry_id: str) -> bool:
    """Whether the event's ledger entry `entry_id` is a void (which cannot be voided).
    Voids appended before `void_ids` was kept are found in the ledger itself: entries
    are never changed, so this answer cannot go stale."""
    if entry_id in item.get("void_ids", set()):
        return True
    return any(
        e.get("payment_id") == entry_id and e.get("kind") == "void"
        for e in item.get("payments", [])
    )


def why_refused(
    item: EventMap | None, payment_id: str, entry: EntryMap, cap: int, room: int
) -> Refusal:
    """Which part of the append's condition failed, judged from the event read after it."""
    if item is None or "moved_to" in item:
        return Refusal.MISSING
    if "renaming_to" in item or "renaming_from" in item:
        return Refusal.RENAMING
    if payment_id in item.get("payment_ids", set()):
        return Refusal.DUPLICATE
    target = entry.get("voids")
    if target is not None:
        if target not in item.get("payment_ids", set()):
            return Refusal.UNKNOWN_TARGET
        if is_void(item, str(target)):
            return Refusal.NOT_A_PAYMENT
        if target in item.get("voided_ids", set()):
            return Refusal.ALREADY_VOIDED
    elif item.get("status") == "cancelled":
        return Refusal.CANCELLED
    if len(item.get("payments", [])) >= cap or item.get("ledger_bytes", 0) > room:
        return Refusal.FULL
    return Refusal.CONFLICT
