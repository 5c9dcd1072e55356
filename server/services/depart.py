"""Depart (issue 25 section 1; issue 26 items 5-9): validate the form, decide whether
the trip may leave (its day and state, the boat's passenger limit and minimum crew, the
safety orientation), write the departure once (the same conditional write owes the
float plan email), audit it, and answer `Departed` or `Refused`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any, Protocol

from server.domain.boats import Boat, crew_refusal, passenger_refusal
from server.domain.clock import as_utc
from server.domain.float_plan import (
    FLOAT,
    TripWriteRefused,
    depart_refusal,
    departure_record,
    notice_ref,
    parse_depart_form,
    persons_aboard,
    trip_start,
)
from server.domain.manifest import guests_of
from server.domain.records import Departure, DepartureMap, Event, EventMap, Waiver
from server.domain.trip_log import (
    ORIENTATION_MISSING,
    boat_record,
    crew_aboard,
    list_ashore,
    master_refusal,
)
from server.services.results import Refused

CHANGED = "The trip changed while saving. Nothing was saved; try again."


class EventsRepo(Protocol):
    def get(self, event_id: str) -> Event | None: ...
    def depart(self, event_id: str, departure: DepartureMap) -> tuple[Event, bool]: ...


class WaiversRepo(Protocol):
    def for_event(self, event_id: str) -> list[Waiver]: ...


class UsersRepo(Protocol):
    def all(self) -> list[dict[str, Any]]: ...


class BoatsRepo(Protocol):
    def get(self, boat_id: str) -> Boat | None: ...


class AuditRepo(Protocol):
    def record(self, at: str, user: str, action: str, target: str, detail: str = "") -> None: ...


@dataclass(frozen=True)
class Repos:
    """The repositories Depart uses (the real `Store`'s or the fakes')."""

    events: EventsRepo
    waivers: WaiversRepo
    users: UsersRepo
    boats: BoatsRepo
    audit: AuditRepo


@dataclass(frozen=True)
class DepartForm:
    """What the crew member sent, as text, and who and when."""

    event_id: str
    departure_id: str
    expected_back: str
    area: str
    crew: tuple[str, ...]
    master: str
    orientation: bool
    confirm_empty: bool
    by: str
    now: str  # UTC ISO
    today: date
    timezone: tzinfo
    grace_minutes: int  # a return within this of now is refused (SCC_OVERDUE_GRACE_MINUTES)


@dataclass(frozen=True)
class Departed:
    """The trip is out; `owed` is the float plan notice's ref when this call wrote it
    (None for a replay of the same departure)."""

    event_id: str
    departure_id: str
    owed: str | None


def depart(form: DepartForm, repos: Repos) -> Departed | Refused:
    """Record the departure once, or say why not (nothing written then)."""
    item = repos.events.get(form.event_id)
    if item is None or "moved_to" in item:
        return Refused.form("There is no such trip.", 404)
    try:
        departure_id = str(uuid.UUID(form.departure_id))
    except ValueError:
        return Refused.form("The form was incomplete; reload it and try again.", 422)
    departed = item.get("departure")
    if departed and departed.get("departure_id") == departure_id:
        return Departed(form.event_id, departure_id, None)  # a replay: answered like the first
    refusal = depart_refusal(item, form.today)
    if refusal:
        return Refused.form(refusal, 409)
    record = _record(form, item, departure_id, repos)
    if isinstance(record, Refused):
        return record
    try:
        _, first = repos.events.depart(form.event_id, record)
    except TripWriteRefused as refused:
        return Refused.form(depart_refusal(refused.item or {}, form.today) or CHANGED, 409)
    if not first:
        return Departed(form.event_id, departure_id, None)
    repos.audit.record(
        form.now, form.by, "trip.departed", form.event_id, f"back by {record['expected_back']}"
    )
    return Departed(form.event_id, departure_id, notice_ref(FLOAT, departure_id))


def _record(
    form: DepartForm, item: EventMap, departure_id: str, repos: Repos
) -> Departure | Refused:
    """The departure map to store, or every reason the form is refused."""
    accounts = {str(u["email"]): u for u in repos.users.all() if not u.get("disabled")}
    chosen = [e for e in dict.fromkeys(form.crew) if e in accounts]
    starts = trip_start(item, form.timezone)
    values = {"expected_back": form.expected_back, "area": form.area}
    plan, errors = parse_depart_form(
        values,
        starts,
        form.timezone,
        chosen,
        now=as_utc(form.now),
        grace_minutes=form.grace_minutes,
    )
    waivers = repos.waivers.for_event(str(item["event_id"]))
    checked_in = [g for g in guests_of(waivers, starts.date()) if g.checked_in]
    boat = repos.boats.get(str(item["boat_id"])) if item.get("boat_id") else None
    crew_error = master_refusal(chosen, form.master) or (
        crew_refusal(boat, len(chosen)) if boat else None
    )
    if crew_error:
        errors["crew"] = crew_error
    too_many = passenger_refusal(boat, len(checked_in)) if boat else None
    if too_many:
        errors["form"] = too_many
    if not form.orientation:
        errors["orientation"] = ORIENTATION_MISSING
    if not checked_in and not form.confirm_empty:
        errors["confirm_empty"] = "0 guests checked in — depart anyway?"
    if plan is None or errors:
        return Refused(errors, 422)
    names = {e: str(accounts[e].get("name") or e) for e in chosen}
    aboard = persons_aboard(
        checked_in, waivers, [{"name": names[e], "email": e} for e in plan.crew]
    )
    record = departure_record(departure_id, plan, item, aboard, form.by, form.now)
    record.update(
        {
            "boat_id": str(item.get("boat_id") or ""),
            "boat": boat.name if boat else record["boat"],
            "boat_checked": boat_record(boat, record["boat"]),
            "crew_aboard": crew_aboard(chosen, form.master, names),
            "orientation": {"by": form.by, "at": form.now},
            "counts": list_ashore(aboard),
        }
    )
    return record
