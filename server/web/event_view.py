"""What the pages show of an event: the stored item with its ledger worked out.

Also the one way to find an event by the id in a URL (404s and renamed events).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from server.domain.clock import day_label
from server.domain.crew_roles import assigned, crew_of
from server.domain.event_ids import is_valid_event_id
from server.domain.float_plan import TripState, aboard_summary, may_undo_back, state_of
from server.domain.money import money_str
from server.domain.payments import Ledger, book_of
from server.domain.records import CrewEntry, Event, LedgerEntry, Waiver
from server.store import Store
from server.web.render import EventMoved
from server.web.state import store_of, today_of, trip_clock

# Anything else in the id position is answered 404 without asking the database.
_LOOKUP_SAFE = re.compile(r"^[A-Za-z0-9-]{1,80}$")


def find_event(store: Store, event_id: str, *, legacy_ok: bool = False) -> Event:
    """The event at this id, or a 404. Renamed events raise EventMoved (301); ids that
    break the convention are 404 unless they are such a redirect stub (or `legacy_ok`:
    the captain opening a legacy event to rename it)."""
    if not _LOOKUP_SAFE.match(event_id):
        raise HTTPException(404)
    item = store.events.get(event_id)
    if item is None:
        raise HTTPException(404)
    if "moved_to" in item:
        raise EventMoved(event_id, str(item["moved_to"]))
    if not legacy_ok and not is_valid_event_id(event_id):
        raise HTTPException(404)
    return item


def valid_event_id(request: Request) -> str:
    """The path's event id; 404 for a malformed one before any write is attempted."""
    event_id = str(request.path_params["event_id"])
    if not is_valid_event_id(event_id):
        raise HTTPException(404)
    return event_id


@dataclass
class EventView:
    item: Event
    today: date
    # Guests covered by signed waivers; None when not read for this response (the
    # Log Payment answer: htmx keeps the number already on the page).
    waivers_signed: int | None = 0
    # Given, a departed trip shows overdue once past its return + grace (see state_of).
    now: datetime | None = None
    grace_minutes: int = 0

    @property
    def ledger(self) -> Ledger:
        return book_of(self.item)

    @property
    def without_ledger(self) -> bool:
        """Built from the append's answer (totals, no entries, no float plan): the card
        keeps the float plan already on the page."""
        return "appended" in self.item and "payments" not in self.item

    @property
    def event_id(self) -> str:
        return str(self.item["event_id"])

    @property
    def day(self) -> date:
        return date.fromisoformat(str(self.item["date"]))

    @property
    def day_label(self) -> str:
        delta = (self.day - self.today).days
        named = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get(delta)
        pretty = day_label(self.day)
        return f"{named} · {pretty}" if named else pretty

    @property
    def start_time(self) -> str:
        return str(self.item.get("start_time") or "")

    @property
    def patron(self) -> str:
        return str(self.item.get("patron_first_name") or "")

    @property
    def period(self) -> str:
        return str(self.item.get("period") or "")

    @property
    def label(self) -> str:
        """How people name the trip: "Alice · whale"."""
        return " · ".join(part for part in (self.patron, self.period) if part)

    def payment(self, payment_id: str) -> LedgerEntry | None:
        """The payment logged under this key (for "Saved ... for ..." after a plain
        form's redirect), or None."""
        if not payment_id:
            return None
        return next((p for p in self.ledger.payments if p["payment_id"] == payment_id), None)

    @property
    def party_size(self) -> int:
        return int(self.item.get("party_size") or 0)

    @property
    def cancelled(self) -> bool:
        return self.item.get("status") == "cancelled"

    @property
    def stage(self) -> str:
        """What the patron's trip page says: `cancelled`, `past`, `today` or `upcoming`."""
        if self.cancelled:
            return "cancelled"
        if self.day < self.today:
            return "past"
        return "today" if self.day == self.today else "upcoming"

    @property
    def trip_state(self) -> TripState:
        """Not departed, out, back or overdue (the float plan)."""
        return state_of(self.item, self.now, self.grace_minutes)

    @property
    def crew(self) -> list[CrewEntry]:
        """Who is assigned, the master first (server/domain/crew_roles.py)."""
        return crew_of(self.item)

    @property
    def departure(self) -> dict[str, Any]:
        return dict(self.item.get("departure") or {})

    @property
    def back_undoable(self) -> bool:
        """Back at the dock is recent enough to undo (UNDO_BACK_MINUTES)."""
        return may_undo_back(self.item, self.now or datetime.now(UTC))

    @property
    def aboard(self) -> dict[str, Any]:
        """Who is aboard a departed trip (guests' count and names, crew), for the page."""
        return aboard_summary(self.departure)

    def get(self, name: str, default: Any = "") -> Any:
        return self.item.get(name) or default

    def as_json(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        """The event for the JSON API; `names`: the crew accounts' names by email."""
        book = self.ledger
        voided = book.voided_ids
        return {
            "event_id": self.event_id,
            "date": self.day.isoformat(),
            "start_time": self.start_time,
            "patron_first_name": self.patron,
            "period": self.period,
            "party_size": self.party_size,
            "boat": self.get("boat"),
            "meeting_point": self.get("meeting_point"),
            "status": self.get("status", "scheduled"),
            "total_price": money_str(book.total),
            "paid": money_str(book.paid),
            "balance_due": money_str(book.balance_due),
            "payment_count": book.payment_count,
            "tips": money_str(book.tips),
            **({} if self.waivers_signed is None else {"waivers_signed": self.waivers_signed}),
            "payments": [entry_json(e, voided) for e in self.item.get("payments", [])],
            "crew": [
                {"email": email, "name": kept or (names or {}).get(email, email), "role": role}
                for email, role, kept in assigned_crew(self.item)
            ],
        }


def assigned_crew(item: Event) -> list[tuple[str, str, str]]:
    """(email, role, name kept when assigned, or "") of the crew assigned, the master
    first (`crew_assigned`, server/domain/crew_roles.py)."""
    names = {str(c.get("email")): str(c.get("name") or "") for c in item.get("crew_assigned") or []}
    return [(email, role, names.get(email, "")) for email, role in assigned(item)]


def crew_names(store: Store, item: Event) -> dict[str, str]:
    """The names of the crew assigned to `item`: the name kept with the assignment, read
    from the account only for a map stored without one (none, as the app writes them)."""
    names = {}
    for email, _, kept in assigned_crew(item):
        account = None if kept else store.users.get(email)
        names[email] = kept or (str(account.get("name") or email) if account else email)
    return names


def entry_json(entry: LedgerEntry, voided: set[str] | None = None) -> dict[str, Any]:
    """A ledger entry with Decimal amounts as two-decimal strings."""
    out: dict[str, Any] = {
        k: (money_str(v) if isinstance(v, Decimal) else v) for k, v in entry.items()
    }
    out.setdefault("kind", "payment")
    if out["kind"] == "payment":
        out.setdefault("tip", "0.00")  # entries stored before tips were kept have none
    if voided is not None and out["kind"] == "payment":
        out["voided"] = entry.get("payment_id") in voided
    return out


def view_of(request: Request, item: Event, waivers_signed: int | None = 0) -> EventView:
    """The stored event as the pages show it (today, the overdue clock) for this request."""
    return EventView(
        item=item, today=today_of(request), waivers_signed=waivers_signed, **trip_clock(request)
    )


def event_with_waivers(request: Request) -> tuple[EventView, list[Waiver]]:
    """The event at the path's id, with the guests its waivers cover (two reads)."""
    store = store_of(request)
    item = find_event(store, request.path_params["event_id"])
    waivers = store.waivers.for_event(item["event_id"])
    return view_of(request, item, sum(int(w.get("guest_count", 1)) for w in waivers)), waivers
