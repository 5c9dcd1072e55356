"""Recording what Stripe's signed webhooks say: a paid Checkout Session becomes an
online payment in the trip's ledger, a refund a refund entry, each in the one
conditional append every payment goes through (ids derived from Stripe's, so each is
stored once however often it is delivered).

A paid session for a trip cancelled since is still recorded (the money was taken),
with a note telling the captain to refund it; nothing Stripe took is ever dropped:
what cannot be recorded now answers a status Stripe retries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from server.domain.online import (
    CANCELLED_NOTE,
    METHOD,
    payment_entry,
    refund_entry,
    session_metadata,
)
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES, AppendRefused, Refusal
from server.domain.records import EntryMap, Event, LedgerEntry
from server.services.results import Refused

log = logging.getLogger(__name__)

PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
REFUND_EVENT = "charge.refunded"


class OnlineLedger(Protocol):
    """What recording needs of the events repository (EventsRepo, and the in-memory
    fake in tests/helpers/fake_ledger.py)."""

    def get(self, event_id: str) -> Event | None: ...

    def append_payment(
        self,
        event_id: str,
        entry: EntryMap,
        cap: int,
        max_bytes: int,
        *,
        accept_cancelled: bool = False,
    ) -> Event: ...

    def append_refund(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event: ...


@dataclass(frozen=True)
class Recorded:
    """What a webhook came to: `item`, the trip as the payment's write answered (for
    the operator's email), `payment_ids` appended now (empty for a repeat delivery or
    an event that records nothing), and whether the payment was flagged."""

    item: Event | None = None
    payment_ids: list[str] = field(default_factory=list)
    flagged: bool = False


def _retry_later(reason: str) -> Refused:
    """Not recorded now, so Stripe delivers it again (its retries last three days)."""
    log.warning("stripe webhook not recorded yet: %s", reason)
    return Refused({"form": reason}, 409)


def record_payment(
    events: OnlineLedger, session: Mapping[str, Any], now: str
) -> Recorded | Refused:
    """Append the online payment a paid Checkout Session made (once per session)."""
    try:
        event_id = str(session_metadata(session).get("event_id") or "")
        entry = cast("LedgerEntry", payment_entry(session, now) if event_id else {})
    except ValueError as malformed:  # signed, yet not a session the app made
        log.warning("checkout session %s not recorded: %s", session.get("id"), malformed)
        return Refused({"error": f"Not a checkout session: {malformed}"}, 400)
    if not event_id:
        log.info("checkout session %s names no trip: not ours", session.get("id"))
        return Recorded()
    try:
        item = events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
        return Recorded(item, [entry["payment_id"]])
    except AppendRefused as refused:
        if refused.reason is Refusal.DUPLICATE:
            return Recorded()
        if refused.reason is not Refusal.CANCELLED:
            return _retry_later(f"trip {event_id}: {refused.reason}")
    # Cancelled after the patron paid: keep the money's record, tell the captain.
    entry["note"] = CANCELLED_NOTE
    try:
        item = events.append_payment(
            event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES, accept_cancelled=True
        )
    except AppendRefused as late:
        if late.reason is Refusal.DUPLICATE:
            return Recorded()
        return _retry_later(f"trip {event_id}: {late.reason}")
    log.warning("online payment for cancelled trip %s recorded and flagged", event_id)
    return Recorded(item, [entry["payment_id"]], flagged=True)


def record_refunds(
    events: OnlineLedger,
    charge: Mapping[str, Any],
    now: str,
    *,
    intent_metadata: Callable[[str], dict[str, str]],
    refunds_of: Callable[[str], list[dict[str, Any]]],
) -> Recorded | Refused:
    """Append one refund entry per Stripe refund of the charge (full or partial) not yet
    recorded, each against the online payment its PaymentIntent made."""
    intent = str(charge.get("payment_intent") or "")
    if not intent:
        return Recorded()
    event_id = intent_metadata(intent).get("event_id", "")
    if not event_id:
        return Recorded()  # a charge the app did not make
    item: Event | dict[str, Any] = events.get(event_id) or {}
    paid = next(
        (
            p
            for p in item.get("payments", [])
            if p.get("payment_intent") == intent
            and p.get("method") == METHOD
            and p.get("kind", "payment") == "payment"
        ),
        None,
    )
    if paid is None:
        return _retry_later(f"trip {event_id}: the refunded payment is not recorded yet")
    added: list[str] = []
    for refund in refunds_of(str(charge.get("id") or "")):
        if refund.get("status") not in ("succeeded", "pending"):
            continue  # a failed or cancelled refund gave nothing back
        entry = refund_entry(refund, str(paid["payment_id"]), now)
        try:
            events.append_refund(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
        except AppendRefused as refused:
            if refused.reason is not Refusal.DUPLICATE:
                return _retry_later(f"trip {event_id}: {refused.reason}")
            continue
        added.append(entry["payment_id"])
    return Recorded(None, added)


def record_event(
    events: OnlineLedger,
    event: Mapping[str, Any],
    now: str,
    *,
    intent_metadata: Callable[[str], dict[str, str]],
    refunds_of: Callable[[str], list[dict[str, Any]]],
) -> Recorded | Refused:
    """Whatever a verified webhook event records; the other event types record nothing."""
    kind = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind in PAID_EVENTS and obj.get("payment_status") == "paid":
        return record_payment(events, obj, now)
    if kind == REFUND_EVENT:
        return record_refunds(
            events, obj, now, intent_metadata=intent_metadata, refunds_of=refunds_of
        )
    return Recorded()
