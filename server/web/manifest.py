"""The dock manifest (crew and captain) and the captain's full waiver view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain.clock import utc_now_iso
from server.domain.forms import text_field
from server.domain.users import User
from server.domain.waiver_rules import age_on, load_text
from server.web.auth import captain_only, crew_only
from server.web.event_view import EventView, find_event, require_valid_id
from server.web.render import Kind, redirect, render, response_kind
from server.web.state import store_of, today_of

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Guest:
    """One person on the manifest: what crew may see (name, age, status), no more."""

    waiver_id: str
    key: str  # "signer" or "minor-N": the check-in slot on the waiver item
    name: str
    age: int
    guardian: str | None
    checked_in: bool

    @property
    def reference(self) -> str:
        return self.waiver_id[:8].upper()

    @property
    def dom_id(self) -> str:
        return f"guest-{self.waiver_id}-{self.key}"


def guests_of(waivers: list[dict[str, Any]], trip_day: date) -> list[Guest]:
    guests = []
    for waiver in waivers:
        checkins = waiver.get("checkins", {})

        def checked(key: str, checkins: dict[str, Any] = checkins) -> bool:
            return bool(checkins.get(key, {}).get("checked_in"))

        adult = str(waiver["full_name"])
        guests.append(
            Guest(
                waiver_id=str(waiver["waiver_id"]),
                key="signer",
                name=adult,
                age=age_on(date.fromisoformat(str(waiver["date_of_birth"])), trip_day),
                guardian=None,
                checked_in=checked("signer"),
            )
        )
        for i, minor in enumerate(waiver.get("minors", [])):
            guests.append(
                Guest(
                    waiver_id=str(waiver["waiver_id"]),
                    key=f"minor-{i}",
                    name=str(minor["name"]),
                    age=age_on(date.fromisoformat(str(minor["date_of_birth"])), trip_day),
                    guardian=adult,
                    checked_in=checked(f"minor-{i}"),
                )
            )
    return guests


def parse_waiver_id(value: str) -> str:
    """Waiver ids are UUIDs; anything else is a 404, never a database error."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise HTTPException(404) from None


def _load(request: Request) -> tuple[EventView, list[dict[str, Any]]]:
    store = store_of(request)
    item = find_event(store, request.path_params["event_id"])
    waivers = store.waivers.for_event(item["event_id"])
    event = EventView(
        item=item,
        today=today_of(request),
        waivers_signed=sum(int(w.get("guest_count", 1)) for w in waivers),
    )
    return event, waivers


@crew_only
async def manifest(request: Request) -> Response:
    event, waivers = await run_in_threadpool(_load, request)
    guests = guests_of(waivers, event.day)
    capacity = int(event.get("capacity", 0) or 0)
    context = {
        "event": event,
        "guests": guests,
        "checked_in": sum(g.checked_in for g in guests),
        "unsigned": max(event.party_size - len(guests), 0),
        "capacity": capacity,
        "over_capacity": bool(capacity) and max(len(guests), event.party_size) > capacity,
    }
    return render(request, "manifest.html", context, fragment="_manifest.html", headers=NO_STORE)


@crew_only
async def check_in(request: Request) -> Response:
    form = await request.form()
    event_id = request.path_params["event_id"]
    require_valid_id(event_id)
    waiver_id = parse_waiver_id(text_field(form, "waiver_id"))
    guest = text_field(form, "guest")
    user: User = request.state.user
    state = text_field(form, "checked_in") == "yes"
    store = store_of(request)
    waiver = await run_in_threadpool(store.waivers.get, event_id, waiver_id)
    minors = len(waiver.get("minors", [])) if waiver else 0
    slots = {"signer"} | {f"minor-{i}" for i in range(minors)}
    if waiver is None or guest not in slots:
        raise HTTPException(404)  # no such waiver, or no such guest on it
    await run_in_threadpool(
        store.waivers.set_checkin, event_id, waiver_id, guest, state, user.email, utc_now_iso()
    )
    url = str(request.app.url_path_for("manifest", event_id=event_id))
    if response_kind(request) is not Kind.FRAGMENT:
        return redirect(request, url)
    event, waivers = await run_in_threadpool(_load, request)
    guests = guests_of(waivers, event.day)
    row = next(g for g in guests if g.waiver_id == waiver_id and g.key == guest)
    context = {"event": event, "guest": row, "checked_in": sum(g.checked_in for g in guests)}
    return render(request, "_guest_checked_in.html", context, headers=NO_STORE)


@captain_only
async def waiver_record(request: Request) -> Response:
    """A signed waiver in full with its audit trail, printable. Captain only."""
    store = store_of(request)
    item = await run_in_threadpool(find_event, store, request.path_params["event_id"])
    waiver = await run_in_threadpool(
        store.waivers.get, item["event_id"], parse_waiver_id(request.path_params["waiver_id"])
    )
    if waiver is None:
        raise HTTPException(404)
    event = EventView(item=item, today=today_of(request))
    guests = guests_of([waiver], event.day)
    user: User = request.state.user
    await run_in_threadpool(
        store.audit.record,
        utc_now_iso(),
        user.email,
        "waiver.opened",
        f"{item['event_id']}/{waiver['waiver_id']}",
    )
    return render(
        request,
        "waiver_record.html",
        {
            "event": event,
            "waiver": waiver,
            "guests": guests,
            "text": load_text(str(waiver["waiver_version"])),
            "esign": load_text(str(waiver["esign_version"])),
        },
        headers=NO_STORE,
    )


routes = [
    Route("/dispatch/events/{event_id}/manifest", manifest, methods=["GET"], name="manifest"),
    Route(
        "/dispatch/events/{event_id}/manifest/checkin",
        check_in,
        methods=["POST"],
        name="check_in",
    ),
    Route(
        "/admin/events/{event_id}/waivers/{waiver_id}",
        waiver_record,
        methods=["GET"],
        name="waiver_record",
    ),
]
