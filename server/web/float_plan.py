"""The float plan at the dock: Depart, Running late (+30 min), Back at the dock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.boats import Boat
from server.domain.clock import input_time, utc_now_iso
from server.domain.float_plan import (
    BACK,
    LATE,
    default_area,
    default_expected_back,
    depart_refusal,
    extended_back,
    may_finish,
    notice_ref,
    seen_back,
)
from server.domain.forms import text_field
from server.domain.manifest import guests_of
from server.domain.records import Event, Waiver
from server.domain.trip_log import prefilled_crew
from server.domain.users import User
from server.services.depart import Departed, DepartForm, Repos
from server.services.depart import depart as depart_service
from server.store import Store
from server.store.float_plans import TripWriteRefused
from server.web.audit import audit
from server.web.auth import crew_only
from server.web.event_view import EventView, find_event, valid_event_id
from server.web.render import Kind, json_form_error, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import notifier_of, sends_after_response, settings_of, store_of, today_of

routes = Routes()

NO_STORE = {"Cache-Control": "no-store"}


class DockTrip(Event, total=False):
    _boat: Boat | None  # the page's, never stored


def _dock(store: Store, event_id: str) -> tuple[DockTrip, list[Waiver], list[Any]]:
    """The trip (with its boat, when it names one from the list, as `_boat`), its
    waivers, and who may be ticked as crew (active accounts)."""
    item = cast("DockTrip", find_event(store, event_id))
    if item.get("boat_id"):
        item = {**item, "_boat": store.boats.get(str(item["boat_id"]))}
    waivers = store.waivers.for_event(item["event_id"])
    crew = [u for u in store.users.all() if not u.get("disabled")]
    return item, waivers, crew


def _depart_page(
    request: Request,
    item: DockTrip,
    waivers: list[Waiver],
    crew: list[dict[str, Any]],
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    settings = settings_of(request)
    user: User = request.state.user
    event = EventView(item=item, today=today_of(request))
    guests = guests_of(waivers, event.day)
    crew_emails, master = prefilled_crew(item, user.email)
    defaults = {
        "departure_id": str(uuid.uuid4()),
        "expected_back": input_time(
            default_expected_back(item, settings.timezone, datetime.now(UTC))
        ),
        "area": default_area(item),
        "crew": crew_emails,
        "master": master,
        "orientation": "",
        "confirm_empty": "",
    }
    context = {
        "event": event,
        "values": {**defaults, **(values or {})},
        "errors": errors or {},
        "crew_choices": sorted(crew, key=lambda u: str(u.get("name", ""))),
        "checked_in": [g for g in guests if g.checked_in],
        "boat": item.get("_boat"),
        "refusal": depart_refusal(item, today_of(request)),
    }
    page = ("depart.html", "_depart_form.html")  # the page, and its form for htmx
    return render(
        request, page[0], context, fragment=page[1], status_code=status_code, headers=NO_STORE
    )


@routes.get("/dispatch/events/{event_id}/depart", "depart_form")
@crew_only
async def depart_form(request: Request) -> Response:
    """The Depart form: expected return, area and crew, prefilled."""
    item, waivers, crew = await run_in_threadpool(
        _dock, store_of(request), request.path_params["event_id"]
    )
    return _depart_page(request, item, waivers, crew)


def _form_values(form: FormData) -> dict[str, Any]:
    return {
        "departure_id": text_field(form, "departure_id"),
        "expected_back": text_field(form, "expected_back"),
        "area": text_field(form, "area"),
        "crew": [str(c) for c in form.getlist("crew")],
        "master": text_field(form, "master"),
        "orientation": text_field(form, "orientation"),
        "confirm_empty": text_field(form, "confirm_empty"),
    }


@routes.post("/dispatch/events/{event_id}/depart", "depart")
@crew_only
async def depart(request: Request) -> Response:
    """Parse the form, run the Depart service (server/services/depart.py), render."""
    store, settings = store_of(request), settings_of(request)
    event_id = valid_event_id(request)
    values = _form_values(await request.form())
    user: User = request.state.user
    form = DepartForm(
        event_id=event_id,
        departure_id=values["departure_id"],
        expected_back=values["expected_back"],
        area=values["area"],
        crew=tuple(values["crew"]),
        master=values["master"],
        orientation=values["orientation"] == "yes",
        confirm_empty=values["confirm_empty"] == "yes",
        by=user.email,
        now=utc_now_iso(),
        today=today_of(request),
        timezone=settings.timezone,
        grace_minutes=settings.overdue_grace_minutes,
    )
    repos = Repos(store.events, store.waivers, store.users, store.boats, store.audit)
    result = await run_in_threadpool(depart_service, form, repos)
    if isinstance(result, Departed):
        return _done(request, event_id, result.owed)
    if result.status == 404:
        raise HTTPException(404)
    if response_kind(request) is Kind.JSON:
        return json_form_error(result.errors, result.status)
    item, waivers, crew = await run_in_threadpool(_dock, store, event_id)
    return _depart_page(
        request,
        item,
        waivers,
        crew,
        values=values,
        errors=result.errors,
        status_code=result.status,
    )


def _done(
    request: Request,
    event_id: str,
    owed: str | None,
    to_dispatch: bool = False,
    said: str = "",
) -> Response:
    """The answer after a float-plan write: 303 (or HX-Redirect) back to the trip or
    the dashboard; the email is tried right after the response where that is the way.
    `said` (late, back): the page it lands on says the result there and focuses it."""
    if response_kind(request) is Kind.JSON:
        response: Response = JSONResponse({"event_id": event_id, "created": owed is not None})
    else:
        name = "dispatch" if to_dispatch else "event_detail"
        params = {} if to_dispatch else {"event_id": event_id}
        url = str(request.app.url_path_for(name, **params))
        if said:
            url += f"?float={said}" + (f"&trip={event_id}" if to_dispatch else "")
        response = redirect(request, url)
    if owed is not None and sends_after_response(request):
        response.background = BackgroundTask(notifier_of(request).after_trip, event_id, owed)
    return response


async def _departed_trip(request: Request) -> tuple[Event, FormData, str]:
    """The departed trip this crew member or the captain may finish (403 otherwise)."""
    valid_event_id(request)
    form = await request.form()
    item = await run_in_threadpool(find_event, store_of(request), request.path_params["event_id"])
    user: User = request.state.user
    departure_id = text_field(form, "departure_id")
    if item.get("departure", {}).get("departure_id") != departure_id:
        raise HTTPException(409, "This trip has not departed with that float plan.")
    if not may_finish(item, user.email, user.is_captain):
        raise HTTPException(403, "Only the crew aboard and the captain can do that.")
    return item, form, departure_id


@routes.post("/dispatch/events/{event_id}/late", "run_late")
@crew_only
async def run_late(request: Request) -> Response:
    """Running late: the expected return moves 30 minutes and the alarm with it."""
    item, form, departure_id = await _departed_trip(request)
    seen = seen_back(text_field(form, "expected_back") or str(item["departure"]["expected_back"]))
    if seen is None:  # not a return this trip could have: a damaged or hand-made form
        raise HTTPException(422, "This form is out of date or damaged: reload the trip, try again.")
    new_back = extended_back(
        cast("Event", {"departure": {"expected_back": seen}}), datetime.now(UTC)
    )
    event_id = str(item["event_id"])
    try:
        _, first = await run_in_threadpool(
            store_of(request).events.run_late, event_id, departure_id, seen, new_back, utc_now_iso()
        )
    except TripWriteRefused:
        raise HTTPException(409, "This trip is already back at the dock.") from None
    if first:
        await audit(request, "trip.extended", event_id, f"back by {new_back}")
    return _done(
        request,
        event_id,
        notice_ref(LATE, departure_id, new_back) if first else None,
        text_field(form, "from") == "dispatch",
        said="late",
    )


@routes.post("/dispatch/events/{event_id}/back", "back_at_dock")
@crew_only
async def back_at_dock(request: Request) -> Response:
    """Back at the dock: the time is recorded once and the shore contact told."""
    item, form, departure_id = await _departed_trip(request)
    user: User = request.state.user
    event_id = str(item["event_id"])
    try:
        saved, first = await run_in_threadpool(
            store_of(request).events.mark_back, event_id, departure_id, user.email, utc_now_iso()
        )
    except TripWriteRefused:
        raise HTTPException(409, "This trip's float plan changed; reload the trip.") from None
    if first:
        await audit(request, "trip.returned", event_id)
    return _done(
        request,
        event_id,
        notice_ref(BACK, departure_id, str(saved["returned_at"])) if first else None,
        text_field(form, "from") == "dispatch",
        said="back",
    )
