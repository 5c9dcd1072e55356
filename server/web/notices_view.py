"""The captain's Emails page, row by row: each notice named by what it is (float plan,
running late, back, OVERDUE, waiver copy, payment), the trip it is about by name, who
it goes to, and its state, so the captain can tell whether an OVERDUE alert went out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.domain.float_plan import BACK, FLOAT, LATE, OVERDUE, UNDO_BACK, split_ref
from server.domain.records import Event, NoticeMap
from server.store import Store

TRIP_KINDS = {
    FLOAT: "Float plan",
    LATE: "Running late",
    BACK: "Back at the dock",
    OVERDUE: "OVERDUE alert",
    UNDO_BACK: "Not back after all (correction)",
}
STATES = {"pending": "Pending", "failed": "Failed", "sent": "Sent"}


def kind_label(notice: NoticeMap) -> tuple[str, str]:
    """(label, trip kind or the notice's kind) of one notice."""
    if notice.get("kind") == "trip":
        trip_kind = (split_ref(str(notice.get("ref_id", ""))) or ("", "", ""))[0]
        return TRIP_KINDS.get(trip_kind, "Trip email"), trip_kind
    if notice.get("kind") == "payment":
        return "Payment email", "payment"
    if notice.get("kind") == "waiver":
        return "Waiver copy", "waiver"
    if notice.get("kind") == "paylink":  # issue 28: the captain's pay link to the booker
        return "Pay link to the booker", "paylink"
    return str(notice.get("kind") or "Email").capitalize(), str(notice.get("kind") or "")


def _trip_name(event: Event | None) -> str:
    if event is None:
        return "a trip no longer stored"
    parts = [str(event.get("patron_first_name") or ""), str(event.get("period") or "")]
    name = " · ".join(p for p in parts if p) or "Trip"
    return f"{name}, {event.get('date', '')}"


def described(store: Store, notices: Sequence[NoticeMap]) -> list[dict[str, Any]]:
    """Each notice with `label`, `trip_kind`, `trip` (its name), `to` and `state_label`.
    One trip or waiver that cannot be read names itself so and spoils no other row."""
    settings = store.settings
    events: dict[str, Event | None] = {}
    rows = []
    for notice in notices:
        event_id = str(notice.get("event_id", ""))
        if event_id not in events:
            events[event_id] = store.events.get(event_id) if event_id else None
        label, trip_kind = kind_label(notice)
        if notice.get("kind") == "trip":
            to = settings.shore_contacts
        elif notice.get("kind") == "payment":
            to = settings.mail_recipients
        elif notice.get("kind") == "paylink":
            trip = events[event_id]
            booker = trip.get("booker_email") if trip else None
            to = [str(booker)] if booker else []
        else:
            waiver = store.waivers.get(event_id, str(notice.get("ref_id", "")))
            to = [str(waiver["email"])] if waiver and waiver.get("email") else []
        rows.append(
            {
                **notice,
                "label": label,
                "trip_kind": trip_kind,
                "trip": _trip_name(events[event_id]),
                "to": to,
                "state_label": STATES.get(str(notice.get("state")), str(notice.get("state"))),
            }
        )
    return rows
