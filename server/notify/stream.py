"""DynamoDB stream records -> the notices they owe.

On Lambda the events and waivers tables stream their changes into the app's function
(infra/template.yaml: `EventsOwedMapping`, `WaiversOwedMapping`), filtered to records
whose new image carries the owed mark (`outbox = "owed"`). A filter cannot compare
the old and new images, so it also lets through writes that leave a mark in place
(clearing a payment id while another is still owed, a check-in on a waiver not yet
collected); `owed_by` keeps only what the write added. Those are then collected and
sent by the same `Notifier` as the sweep, with the same leases: a record delivered
twice, or racing the sweep, sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.settings import Settings
from server.store.client import from_wire


@dataclass(frozen=True)
class Owed:
    """Notices a write added: refs on an event (payment ids, or the float plan's
    `float:`/`late:`/`back:`/`overdue:` refs, marked the same way), or one signed waiver."""

    kind: str  # "payment" (an event's owed set) or "waiver"
    event_id: str
    refs: frozenset[str]


def is_stream_event(event: Mapping[str, Any]) -> bool:
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and r.get("eventSource") == "aws:dynamodb" for r in records)
    )


def table_of(record: Mapping[str, Any]) -> str:
    """The table name in `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`."""
    arn = str(record.get("eventSourceARN", ""))
    return arn.partition(":table/")[2].partition("/stream/")[0]


def _attr(image: Mapping[str, Any] | None, name: str) -> Any:
    # Only the few attributes needed are decoded: an event's image carries its ledger.
    if not image or name not in image:
        return None
    return from_wire(image[name])


def owed_by(record: Mapping[str, Any], settings: Settings) -> Owed | None:
    """What this record's write made owed, or None (another table, a removal, a write
    that added no mark)."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    data = record.get("dynamodb", {})
    new, old = data.get("NewImage"), data.get("OldImage")
    if _attr(new, "outbox") != "owed":
        return None
    keys = data.get("Keys", {})
    table = table_of(record)
    event_id = str(_attr(keys, "event_id"))
    if table == settings.table_name("events"):
        added = set(_attr(new, "notices_owed") or ()) - set(_attr(old, "notices_owed") or ())
        return Owed("payment", event_id, frozenset(map(str, added))) if added else None
    if table == settings.table_name("waivers"):
        if _attr(old, "outbox") == "owed":
            return None  # marked before: that write's record carries it
        return Owed("waiver", event_id, frozenset({str(_attr(keys, "waiver_id"))}))
    return None
