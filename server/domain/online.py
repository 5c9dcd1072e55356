"""Online payments (Stripe Checkout): the tip a patron chooses, what one Checkout
Session charges, and the ledger entries its webhooks append.

An online payment is recorded only from the signed webhook. Its ledger id is derived
from the Checkout Session id (UUID5), a refund's from the Stripe refund id, so however
often, in whatever order and however concurrently Stripe delivers an event, the one
conditional append stores it once.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.domain.forms import FormErrors, text_field
from server.domain.languages import DEFAULT, N_, translator
from server.domain.money import (
    CENT,
    ZERO,
    AmountError,
    format_money_in,
    money_str,
    parse_amount,
    to_money,
)
from server.domain.records import EntryMap, LedgerEntry

METHOD = "online"
LOGGED_BY = "Stripe"
# The tip presets, as percentages of the trip's price (none is chosen by default).
TIP_PERCENTS = (15, 18, 20)
# A custom tip above this is a typo (or a test of the form), not a tip.
MAX_TIP = Decimal("5000.00")
MAX_CENTS = 100_000_000  # Stripe charges at most $999,999.99 in USD
# Fixed: the ids derived from it are the ledger's, forever.
NAMESPACE = uuid.UUID("6f0d3c55-2a8e-4f57-9d0b-3b2c6a7e5f10")
CANCELLED_NOTE = "Paid online after the trip was cancelled: refund it from the Stripe dashboard."

# What the pay form says of a tip it refuses, in the patron's language (issue 30): one
# per rule of parse_amount (its `reason`), worded for a tip.
TIP_NOT_OFFERED = N_("Choose one of the tips shown, or no tip.")
TIP_MESSAGES = {
    "blank": N_("Enter the tip amount, or choose No tip."),
    "sign": N_("The tip must be more than zero."),
    "cents": N_("Use at most two decimal places (cents)."),
    "format": N_("Enter the tip in dollars and cents, like 20 or 25.50."),
    "too_big": N_("The tip cannot be more than {max}."),
}

_SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$", re.ASCII)


def payment_id_for(session_id: str) -> str:
    """The ledger id of the payment a Checkout Session makes."""
    return str(uuid.uuid5(NAMESPACE, f"checkout-session:{session_id}"))


def refund_id_for(refund_id: str) -> str:
    """The ledger id of one Stripe refund."""
    return str(uuid.uuid5(NAMESPACE, f"refund:{refund_id}"))


def valid_session_id(value: str) -> str | None:
    return value if _SESSION_ID.match(value) else None


def cents(amount: Decimal) -> int:
    """Dollars as Stripe's smallest unit (USD cents)."""
    return int((amount.quantize(CENT) * 100).to_integral_value())


def dollars(value: object) -> Decimal:
    """Stripe's cents (an int, or its text) as dollars; ValueError unless a whole
    number of cents, at least 0, below MAX_CENTS."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or int(text) >= MAX_CENTS:
        raise ValueError(f"not an amount of cents: {text[:40]!r}")
    return (Decimal(int(text)) / 100).quantize(CENT)


def tip_presets(price: Decimal) -> list[tuple[int, Decimal]]:
    """(percent, amount) of each preset, for a trip of `price`; none for a free trip."""
    if price <= ZERO:
        return []
    return [(p, to_money(price * p / 100)) for p in TIP_PERCENTS]


def parse_tip(form: Mapping[str, object], price: Decimal, language: str = DEFAULT) -> Decimal:
    """The tip the pay form chose: `tip` is "" (none), a preset's percent, or "custom"
    with `tip_custom`. Raises FormErrors naming the field, worded in `language`."""
    _ = translator(language)
    choice = text_field(form, "tip")
    if choice in ("", "0", "none"):
        return ZERO
    presets = dict(tip_presets(price))
    if choice.isdigit() and int(choice) in presets:
        return presets[int(choice)]
    if choice != "custom":
        raise FormErrors({"tip": _(TIP_NOT_OFFERED)})
    try:
        return parse_amount(text_field(form, "tip_custom"), MAX_TIP)
    except AmountError as exc:
        message = _(TIP_MESSAGES[exc.reason]).format(max=format_money_in(MAX_TIP, language))
        raise FormErrors({"tip_custom": message}) from None


@dataclass(frozen=True)
class Charge:
    """What one Checkout Session charges: the balance due read now, and the tip."""

    event_id: str
    balance: Decimal
    tip: Decimal
    payment_key: str

    @property
    def total(self) -> Decimal:
        return self.balance + self.tip

    @property
    def metadata(self) -> dict[str, str]:
        """Kept on the session and its PaymentIntent (the refund finds its trip by it)."""
        return {
            "event_id": self.event_id,
            "balance": money_str(self.balance),
            "tip": money_str(self.tip),
            "payment_key": self.payment_key,
        }

    @property
    def idempotency_key(self) -> str:
        """One session per pay form and amount: a double tap or a retry of the create
        call gets the same session; a form sent again after the balance changed, a new."""
        return f"scc-checkout-{self.payment_key}-{cents(self.balance)}-{cents(self.tip)}"


def session_metadata(session: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Checkout Session's metadata (ValueError when it is not a map)."""
    metadata = session.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise ValueError("the session's metadata is not a map")
    return metadata


def payment_entry(session: Mapping[str, Any], logged_at: str) -> LedgerEntry:
    """The ledger entry of a paid Checkout Session (from its signed webhook): what the
    patron paid, the tip apart (the balance is paid by `amount`; the tip joins the
    crew's pool), method online, with the session and PaymentIntent ids."""
    metadata = session_metadata(session)
    total = dollars(session.get("amount_total"))  # absent: not a session Stripe sends
    if not isinstance(session.get("id"), str) or not session["id"]:
        raise ValueError("the session has no id")
    try:
        tip = min(to_money(str(metadata.get("tip") or "0")), total)
    except ArithmeticError:
        tip = ZERO
    session_id = str(session["id"])
    return {
        "payment_id": payment_id_for(session_id),
        "kind": "payment",
        "amount": total - tip,
        "tip": tip,
        "method": METHOD,
        "note": "",
        "logged_by": LOGGED_BY,
        "logged_by_name": LOGGED_BY,
        "logged_at": logged_at,
        "checkout_session": session_id,
        "payment_intent": str(session.get("payment_intent") or ""),
    }


def refund_split(
    payment: EntryMap, entries: Iterable[EntryMap], refunded: Decimal
) -> tuple[Decimal, Decimal]:
    """(off the fare, off the tip) of a refund of `refunded` dollars of the online
    `payment`, after its refunds already among `entries` (the stored ledger). The fare
    is given back first and the tip only once the refunds reach past it: a partial
    refund is the operator's goodwill, and the crew keep their tip until the patron has
    had the whole fare back. Anything past fare and tip is the fare's (the totals then
    match what Stripe gave back)."""
    fare, tip = to_money(payment.get("amount", 0)), to_money(payment.get("tip", 0))
    target = payment.get("payment_id")
    earlier = sum(
        (
            to_money(e.get("amount", 0)) + to_money(e.get("tip", 0))
            for e in entries
            if e.get("kind") == "refund" and e.get("refunds") == target
        ),
        ZERO,
    )

    def tip_back(total: Decimal) -> Decimal:
        return min(max(total - fare, ZERO), tip)

    off_tip = tip_back(earlier + refunded) - tip_back(earlier)
    return refunded - off_tip, off_tip


def refund_entry(refund: Mapping[str, Any], refunds: str, logged_at: str) -> LedgerEntry:
    """The ledger entry of one Stripe refund of the online payment `refunds` (a ledger
    id): like a void, it references the payment, with the amount refunded (the store
    splits it into fare and tip against the ledger it writes to: `refund_split`)."""
    return {
        "payment_id": refund_id_for(str(refund["id"])),
        "kind": "refund",
        "refunds": refunds,
        "amount": dollars(refund.get("amount") or 0),
        "method": METHOD,
        "note": "",
        "logged_by": LOGGED_BY,
        "logged_by_name": LOGGED_BY,
        "logged_at": logged_at,
        "stripe_refund": str(refund["id"]),
    }
