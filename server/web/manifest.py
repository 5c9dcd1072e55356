"""The dock manifest (crew and captain) and the captain's full waiver view."""

from __future__ import annotations

import uuid

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.documents.copies import waiver_copy
from server.documents.waiver_pdf import reference
from server.domain.clock import utc_now_iso
from server.domain.forms import text_field
from server.domain.languages import NAMES
from server.domain.manifest import checkin_slots, guests_of
from server.domain.users import User
from server.domain.waiver_rules import text_of
from server.web.auth import captain_only, crew_only
from server.web.event_view import EventView, event_with_waivers, find_event, valid_event_id
from server.web.render import Kind, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import store_of, today_of

routes = Routes()

NO_STORE = {"Cache-Control": "no-store"}


def parse_waiver_id(value: str) -> str:
    """Waiver ids are UUIDs; anything else is a 404, never a database error."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise HTTPException(404) from None


@routes.get("/dispatch/events/{event_id}/manifest", "manifest")
@crew_only
async def manifest(request: Request) -> Response:
    event, waivers = await run_in_threadpool(event_with_waivers, request)
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


@routes.post("/dispatch/events/{event_id}/manifest/checkin", "check_in")
@crew_only
async def check_in(request: Request) -> Response:
    form = await request.form()
    event_id = valid_event_id(request)
    waiver_id = parse_waiver_id(text_field(form, "waiver_id"))
    guest = text_field(form, "guest")
    user: User = request.state.user
    state = text_field(form, "checked_in") == "yes"
    store = store_of(request)
    waiver = await run_in_threadpool(store.waivers.get, event_id, waiver_id)
    if waiver is None or guest not in checkin_slots(waiver):
        raise HTTPException(404)  # no such waiver, or no such guest on it
    await run_in_threadpool(
        store.waivers.set_checkin, event_id, waiver_id, guest, state, user.email, utc_now_iso()
    )
    url = str(request.app.url_path_for("manifest", event_id=event_id))
    if response_kind(request) is not Kind.FRAGMENT:
        return redirect(request, url)
    event, waivers = await run_in_threadpool(event_with_waivers, request)
    guests = guests_of(waivers, event.day)
    row = next(g for g in guests if g.waiver_id == waiver_id and g.key == guest)
    context = {"event": event, "guest": row, "checked_in": sum(g.checked_in for g in guests)}
    return render(request, "_guest_checked_in.html", context, headers=NO_STORE)


@routes.get("/admin/events/{event_id}/waivers/{waiver_id}/pdf", "waiver_pdf")
@captain_only
async def waiver_pdf(request: Request) -> Response:
    """The signed waiver's sealed PDF, as a download (made now if no email made it
    yet). Captain only; 404 without a signing key (SCC_SIGNING_KEY)."""
    store = store_of(request)
    item = await run_in_threadpool(find_event, store, request.path_params["event_id"])
    waiver_id = parse_waiver_id(request.path_params["waiver_id"])
    waiver = await run_in_threadpool(store.waivers.get, item["event_id"], waiver_id)
    if waiver is None:
        raise HTTPException(404)
    pdf = await run_in_threadpool(waiver_copy, store, item, waiver)
    if pdf is None:
        raise HTTPException(404, "No signing certificate is set up (SCC_SIGNING_KEY).")
    user: User = request.state.user
    await run_in_threadpool(
        store.audit.record,
        utc_now_iso(),
        user.email,
        "waiver.downloaded",
        f"{item['event_id']}/{waiver_id}",
    )
    name = f"waiver-{reference(waiver)}.pdf"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@routes.get("/admin/events/{event_id}/waivers/{waiver_id}", "waiver_record")
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
    language = str(waiver.get("language") or "en")
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
            "text": text_of(str(waiver["waiver_version"]), language),
            "esign": text_of(str(waiver["esign_version"]), language),
            "language_name": NAMES.get(language, language),
        },
        headers=NO_STORE,
    )
