"""An event's running totals, kept on the item by the append itself (issue 29).

`paid_total` (the amounts of the payments not voided), `tips_total` (their tips, never
part of the price: issue 27) and `payment_count` (how many) are ADDed by the same
conditional UpdateItem that appends a payment or a void, so the Log Payment answer needs
no ledger. An item marked before tips were kept has no `tips_total`: its first ADD starts
from 0, which is right, as no entry before it had a tip. `totals` marks an item whose
totals are true: the app's new events are created with it, older items get it from
`scc db backfill-totals` (or keep being appended the old way, answering the whole item,
until then). An ADD on a missing attribute starts from 0, so nothing ADDs to an item
without the marker: the old append and a void there leave the totals alone, and the
backfill SETs them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from server.domain.money import money_str
from server.domain.payments import ledger
from server.domain.records import Event, EventMap, Number
from server.store.client import update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

TOTALS_VERSION = 1
# What the Log Payment answer shows besides the totals (the card, the fresh form, the
# toast and the email). The append names each in its SET (itself, or a blank where it
# is absent, which every reader shows the same way), so that ReturnValues UPDATED_NEW
# answers them with the totals and without the ledger. The float plan (`departure`,
# `returned_at`) is not among them: its absence is a condition elsewhere, so the answer's
# card keeps the float plan already on the page (data-hx-preserve).
CARD_FIELDS: dict[str, Any] = {
    "date": "",
    "patron_first_name": "",
    "period": "",
    "start_time": "",
    "party_size": 0,
    "total_price": Decimal(0),
    "boat": "",
    "meeting_point": "",
}


def card_echo() -> tuple[str, dict[str, str], dict[str, Any]]:
    """The SET clauses that make UPDATED_NEW return the card's fields: expression,
    names and values."""
    clauses, names, values = [], {}, {}
    for i, (name, blank) in enumerate(CARD_FIELDS.items()):
        names[f"#c{i}"] = name
        values[f":c{i}"] = blank
        clauses.append(f"#c{i} = if_not_exists(#c{i}, :c{i})")
    return ", ".join(clauses), names, values


class Totals(TypedDict):
    """The totals an event item carries (a part of `Event`)."""

    totals: Number
    paid_total: Decimal
    tips_total: Decimal
    payment_count: Number


def totals_of(item: EventMap) -> Totals:
    """The totals the stored ledger adds up to (what the backfill writes)."""
    book = ledger(item.get("total_price", 0), item.get("payments", []))
    return {
        "totals": TOTALS_VERSION,
        "paid_total": book.paid,
        "tips_total": book.tips,
        "payment_count": book.payment_count,
    }


def backfill(
    table: Table,
    items: list[Event],
    read: Callable[[str], Event | None],
    say: Callable[[str], None],
) -> int:
    """Give every item without the marker its totals: per item one conditional write,
    made only if the ledger is still exactly as read (`size(payments)`: every append and
    void lengthens it), so a payment logged in between is never lost from the totals;
    such an item is read again and retried. Returns how many items were written."""
    written = 0
    for first in items:
        event_id = str(first["event_id"])
        item: Event | None = first
        for _ in range(5):
            if item is None or "totals" in item or "moved_to" in item:
                break
            if _mark(table, item):
                written += 1
                book = totals_of(item)
                paid = money_str(book["paid_total"])
                say(f"{event_id}: {book['payment_count']} payments, {paid} paid")
                break
            item = read(event_id)  # changed since it was read: look again
        else:
            say(f"{event_id}: still changing, left for the next run")
    return written


def _mark(table: Table, item: EventMap) -> bool:
    """One item's totals and marker, if its ledger is still the one `item` holds."""
    values = {f":{k}": v for k, v in totals_of(item).items()}
    values[":empty"] = []
    same_ledger = "attribute_not_exists(payments)"
    if "payments" in item:
        values[":seen"] = len(item["payments"])
        same_ledger = "size(payments) = :seen"
    return update_if(
        table,
        {"event_id": item["event_id"]},
        "SET totals = :totals, paid_total = :paid_total, tips_total = :tips_total,"
        " payment_count = :payment_count,"
        " payments = if_not_exists(payments, :empty)",
        "attribute_exists(event_id) AND attribute_not_exists(totals) AND " + same_ledger,
        values=values,
    )
