"""Log Payment and Void: the two ledger workflows. Each validates the form, decides and
writes in ONE conditional append (the store's `append_payment` / `append_void`, which
also owe the payment email and keep the totals), audits, and answers what happened or
a `Refused` the handler renders. A replay of the same key is not a refusal: it answers
the entry already stored, with `created` False."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from server.domain.forms import FormErrors, text_field
from server.domain.payments import (
    MAX_ENTRIES,
    MAX_LEDGER_BYTES,
    AppendRefused,
    Refusal,
    is_void,
    over_balance,
    parse_payment_id,
    validate_payment,
    validate_void_reason,
)
from server.domain.records import EntryMap, Event, LedgerEntry
from server.domain.users import User
from server.services.results import Refused

# Voids may go a little past the ledger's caps, so a full event can still be corrected.
VOID_HEADROOM = 50
NOT_A_PAYMENT = "That entry is a void, not a payment: only a payment can be voided."

PAYMENT_REFUSALS = {
    Refusal.CANCELLED: (422, "This trip is cancelled, so no payment can be logged against it."),
    Refusal.FULL: (
        422,
        "This trip's payment history is full (the most one trip can hold). "
        "Nothing was saved; ask the captain.",
    ),
    Refusal.DUPLICATE: (
        409,
        "A different payment was already saved with this form. Nothing new was saved: "
        "check the payment history, and submit again to log another payment.",
    ),
    Refusal.RENAMING: (
        409,
        "This trip is being renamed right now. Nothing was saved; try again in a minute.",
    ),
    Refusal.CONFLICT: (409, "The trip changed while saving. Nothing was saved; try again."),
}
VOID_REFUSALS = {
    Refusal.MISSING: (404, ""),
    Refusal.UNKNOWN_TARGET: (404, "There is no such payment on this trip."),
    Refusal.NOT_A_PAYMENT: (404, NOT_A_PAYMENT),
    Refusal.ALREADY_VOIDED: (409, "That payment was already voided."),
    Refusal.FULL: (409, "This trip holds the most entries one trip can."),
    Refusal.CONFLICT: (409, "The trip changed while saving. Try again."),
}


class Ledger(Protocol):
    """What the ledger workflows need of the events repository (EventsRepo, and the
    in-memory fake in tests/helpers/fake_ledger.py)."""

    def get(self, event_id: str) -> Event | None: ...

    def append_payment(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event: ...

    def append_void(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event: ...


class AuditLog(Protocol):
    def record(self, at: str, by: str, action: str, target: str, detail: str = "") -> Any: ...


@dataclass(frozen=True)
class Logged:
    """A payment stored: the event as the append answered it (the card's fields and
    totals, or the whole item for one written before the totals), the entry, and
    whether this request stored it (False: a replay of the same key and body)."""

    item: Event
    entry: LedgerEntry
    created: bool


@dataclass(frozen=True)
class OverBalance:
    """Nothing written: the amount goes past the balance the form showed; ask first."""

    amount: Decimal
    over: Decimal


@dataclass(frozen=True)
class Voided:
    target: str
    created: bool  # False: this void (its key) was already stored


def log_payment(
    events: Ledger,
    event_id: str,
    form: Mapping[str, object],
    by: User,
    now: str,
    *,
    ask_over: bool,
) -> Logged | OverBalance | Refused:
    """Validate a Log Payment form and append it once. `ask_over`: a form that showed a
    balance is asked to confirm an amount past it before anything is written."""
    try:
        payment = validate_payment(form)
    except FormErrors as invalid:
        return Refused(invalid.errors)  # 422
    over = over_balance(form, payment.amount) if ask_over else None
    if over is not None:
        return OverBalance(payment.amount, over)
    entry = payment.entry(by.email, by.name, now)
    try:
        return Logged(
            events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES), entry, True
        )
    except AppendRefused as refused:
        if refused.reason is Refusal.DUPLICATE and refused.item is not None:
            stored = payment.replay_of(refused.item)
            if stored is not None:
                return Logged(refused.item, stored, False)
        if refused.reason is Refusal.MISSING:
            return Refused({}, 404, code=Refusal.MISSING.value)
        status, message = PAYMENT_REFUSALS.get(refused.reason, PAYMENT_REFUSALS[Refusal.CONFLICT])
        return Refused({"form": message}, status, code=refused.reason.value)


def void_payment(
    events: Ledger,
    audit: AuditLog,
    event_id: str,
    target: str,
    form: Mapping[str, object],
    by: User,
    now: str,
) -> Voided | Refused:
    """Append a void of payment `target` once (its own key makes a replay harmless) and
    audit it; the payment stays in the history, struck through."""
    try:
        void_id = parse_payment_id(text_field(form, "void_id"))
        reason = validate_void_reason(form)
    except FormErrors as invalid:
        return Refused(invalid.errors)  # 422
    entry: LedgerEntry = {
        "payment_id": void_id,
        "kind": "void",
        "voids": target,
        "reason": reason,
        "logged_by": by.email,
        "logged_by_name": by.name,
        "logged_at": now,
    }
    # The write refuses a void of any void it records in `void_ids`; one stored before
    # that set was kept is found in the ledger (entries never change: no race).
    stored = events.get(event_id)
    if stored is not None and is_void(stored, target):
        return Refused({"form": NOT_A_PAYMENT}, 404, code=Refusal.NOT_A_PAYMENT.value)
    cap, room = MAX_ENTRIES + VOID_HEADROOM, MAX_LEDGER_BYTES + VOID_HEADROOM * 1000
    try:
        events.append_void(event_id, entry, cap, room)
    except AppendRefused as refused:
        if refused.reason is Refusal.DUPLICATE:  # a replayed void is already done
            return Voided(target, created=False)
        status, message = VOID_REFUSALS.get(refused.reason, VOID_REFUSALS[Refusal.CONFLICT])
        return Refused({"form": message} if message else {}, status, code=refused.reason.value)
    audit.record(now, by.email, "payment.voided", f"{event_id}/{target}")
    return Voided(target, created=True)
