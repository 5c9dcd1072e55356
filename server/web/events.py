"""The captain's events: list, create (with the live id preview), edit, cancel, rename."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.domain.clock import utc_now_iso
from server.domain.credentials import expiring_soon, trip_warnings
from server.domain.crew_roles import DECKHAND, MASTER
from server.domain.event_form import (
    EDITABLE,
    new_event_id,
    validate_event_details,
    validate_new_event,
)
from server.domain.event_ids import InvalidEventId, is_valid_event_id, suggest_id
from server.domain.forms import FormErrors, form_values, text_field
from server.domain.money import money_str
from server.domain.records import Event
from server.domain.users import User, normalize_email
from server.services import crew as crew_service
from server.store import Store
from server.store.events import EventExists
from server.store.rename import RenameError, lint_ids, rename_event
from server.web.audit import audit
from server.web.auth import captain_only
from server.web.crew_view import accounts_by_email, crew_context, min_crew_of
from server.web.event_view import EventView, find_event
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import store_of, today_of

routes = Routes()

EVENT_FIELDS = ("date", "first_name", "period", *EDITABLE)


@routes.get("/admin", "admin")
@captain_only
async def admin_home(request: Request) -> Response:
    return RedirectResponse(request.app.url_path_for("admin_events"), status_code=303)


# --- events ---------------------------------------------------------------------------


@routes.get("/admin/events", "admin_events")
@captain_only
async def events_list(request: Request) -> Response:
    store = store_of(request)
    today = today_of(request)
    past = request.query_params.get("tab") == "past"
    load = store.events.past if past else store.events.upcoming
    items = await run_in_threadpool(load, today.isoformat())
    lint = await run_in_threadpool(lint_ids, store) if not past else []
    users = await run_in_threadpool(store.users.all)
    by_email = accounts_by_email(users)
    warnings = {
        str(i["event_id"]): trip_warnings(i, by_email, min_crew_of(store, i))
        for i in items
        if not past and i.get("status") != "cancelled"
    }
    return render(
        request,
        "admin_events.html",
        {
            "events": [EventView(item=i, today=today) for i in items],
            "past": past,
            "lint": lint,
            "warnings": warnings,
            "expiries": [] if past else expiring_soon(users, today),
            "today": today,
        },
    )


def _event_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    event: EventView | None = None,
    status_code: int = 200,
    chosen: dict[str, Any] | None = None,
) -> Response:
    accounts = [u for u in store_of(request).users.all() if not u.get("disabled")]
    context: dict[str, Any] = {"values": values, "errors": errors, "event": event}
    context.update(accounts=accounts, preview=_preview(request, values), chosen=chosen or {})
    context.update(boats=store_of(request).boats.all())
    return render(request, "admin_event_form.html", context, status_code=status_code)


def _unknown_boat(store: Store, details: Event | dict[str, Any]) -> dict[str, str]:
    """The chosen boat must be one of the captain's list (a field error otherwise); its
    name becomes the event's `boat` text, which every page and email already shows."""
    boat_id = details.get("boat_id")
    if not boat_id:
        return {}
    boat = store.boats.get(str(boat_id))
    if boat is None:
        return {"boat_id": "Choose a boat from the list."}
    details["boat"] = boat.name
    return {}


def _preview(request: Request, values: dict[str, str]) -> dict[str, str]:
    """What id the create form's fields make: {"id": ...} or {"error", "field"}. Nothing
    until the patron's name is typed: the date comes filled in, and an untouched form
    shows no error (a submit still answers 422 naming each missing field)."""
    if not (values.get("first_name") or "").strip():
        return {}
    try:
        event_id = new_event_id(values)
    except InvalidEventId as exc:
        return {"error": exc.message, "field": exc.field}
    if store_of(request).events.get(event_id) is not None:
        return {"error": f"An event {event_id} already exists.", "field": "first_name"}
    return {"id": event_id}


@routes.get("/admin/events/new", "admin_event_new")
@captain_only
async def event_new(request: Request) -> Response:
    return await run_in_threadpool(
        _event_form, request, {"date": today_of(request).isoformat()}, {}
    )


@routes.get("/admin/events/id-preview", "admin_id_preview")
@captain_only
async def event_id_preview(request: Request) -> Response:
    values = {k: request.query_params.get(k, "") for k in ("date", "first_name", "period")}
    preview = await run_in_threadpool(_preview, request, values)
    return render(request, "_event_id_preview.html", {"preview": preview})


def _find(store: Store, event_id: str) -> Event:
    """The captain may open legacy ids (to rename them), not just conforming ones."""
    return find_event(store, event_id, legacy_ok=True)


async def _posted_event(request: Request) -> tuple[FormData, Event]:
    """The posted form and the event the path names (404 if none)."""
    form = await request.form()
    item = await run_in_threadpool(_find, store_of(request), request.path_params["event_id"])
    return form, item


@routes.post("/admin/events", "admin_event_create")
@captain_only
async def event_create(request: Request) -> Response:
    form = await request.form()
    values = form_values(form, EVENT_FIELDS, multiline=("notes",))
    try:
        item = validate_new_event(values)
        if unknown := await run_in_threadpool(_unknown_boat, store_of(request), item):
            raise FormErrors(unknown)
        await run_in_threadpool(store_of(request).events.create, item)
    except FormErrors as invalid:
        errors = invalid.errors
    except EventExists as exists:
        errors = {"first_name": f"An event {exists} already exists."}
    else:
        await audit(request, "event.created", item["event_id"])
        await run_in_threadpool(_assign_chosen, request, item["event_id"], _chosen(form))
        url = request.app.url_path_for("admin_event_edit", event_id=item["event_id"])
        return redirect(request, f"{url}?created=1")
    return await run_in_threadpool(
        lambda: _event_form(request, values, errors, status_code=422, chosen=_chosen(form))
    )


def _chosen(form: FormData) -> dict[str, Any]:
    """The crew picked on the new-event form: a master and any deckhands (emails)."""
    master = normalize_email(text_field(form, "crew_master"))
    deckhands = [normalize_email(str(v)) for v in form.getlist("crew_deckhand")]
    return {"master": master, "deckhands": [d for d in deckhands if d and d != master]}


def _assign_chosen(request: Request, event_id: str, chosen: dict[str, Any]) -> None:
    """Assign the new event's crew (each an audited assignment, as on the event page);
    an account that cannot be assigned is left out: the page says who is assigned."""
    store = store_of(request)
    user: User = request.state.user
    picks = [(chosen["master"], MASTER)] if chosen["master"] else []
    picks += [(email, DECKHAND) for email in chosen["deckhands"]]
    for email, role in picks:
        crew_service.assign(
            store.events,
            store.users,
            store.audit,
            event_id=event_id,
            email=email,
            role=role,
            actor=user.email,
            now=utc_now_iso(),
        )


def _edit_values(item: Event) -> dict[str, str]:
    values = {k: ("" if item.get(k) is None else str(item.get(k))) for k in EDITABLE}
    if item.get("total_price") is not None:
        values["total_price"] = money_str(item["total_price"])
    return values


def edit_context(request: Request, item: Event) -> dict[str, Any]:
    """The captain's event page: the event's fields, its crew section, rename and status."""
    event = EventView(item=item, today=today_of(request))
    suggestion = "" if is_valid_event_id(event.event_id) else suggest_id(item) or ""
    store = store_of(request)
    return {
        "values": _edit_values(item),
        "errors": {},
        "event": event,
        "preview": {},
        "created": request.query_params.get("created") == "1",
        "done": request.query_params.get("done", ""),
        "rename_value": suggestion,
        "boats": store.boats.all(),
        **crew_context(store, item, store.users.all()),
    }


@routes.get("/admin/events/{event_id}/edit", "admin_event_edit")
@captain_only
async def event_edit(request: Request) -> Response:
    store = store_of(request)
    item = await run_in_threadpool(_find, store, request.path_params["event_id"])
    context = await run_in_threadpool(edit_context, request, item)
    return render(request, "admin_event_form.html", context)


@routes.post("/admin/events/{event_id}", "admin_event_update")
@captain_only
async def event_update(request: Request) -> Response:
    form, item = await _posted_event(request)
    store = store_of(request)
    event = EventView(item=item, today=today_of(request))
    values = form_values(form, EDITABLE, multiline=("notes",))
    try:
        details = validate_event_details(values)
        if unknown := await run_in_threadpool(_unknown_boat, store, details):
            raise FormErrors(unknown)
    except FormErrors as invalid:
        context = await run_in_threadpool(edit_context, request, item)
        context.update(values=values, errors=invalid.errors)
        return render(request, "admin_event_form.html", context, status_code=422)
    if not await run_in_threadpool(store.events.update_details, event.event_id, details):
        raise HTTPException(409, "The event is being renamed or was moved. Reload and try again.")
    await audit(request, "event.edited", event.event_id)
    return redirect(request, str(request.app.url_path_for("admin_events")))


@routes.post("/admin/events/{event_id}/status", "admin_event_status")
@captain_only
async def event_status(request: Request) -> Response:
    form, item = await _posted_event(request)
    store = store_of(request)
    status = text_field(form, "status")
    if status not in ("cancelled", "scheduled"):
        raise HTTPException(400)
    if not await run_in_threadpool(store.events.set_status, item["event_id"], status):
        raise HTTPException(409, "The event is being renamed or was moved. Reload and try again.")
    await audit(request, f"event.{status}", item["event_id"])
    url = request.app.url_path_for("admin_event_edit", event_id=item["event_id"])
    # Back where the captain pressed the button: the status section, saying what changed.
    return redirect(request, f"{url}?done={status}#status")


@routes.post("/admin/events/{event_id}/rename", "admin_event_rename")
@captain_only
async def event_rename(request: Request) -> Response:
    form = await request.form()
    store = store_of(request)
    old = request.path_params["event_id"]
    new = text_field(form, "new_id").lower()
    try:
        await run_in_threadpool(rename_event, store, old, new)
    except RenameError as refused:
        item = await run_in_threadpool(store.events.get, old)
        if item is None:
            raise HTTPException(404) from None
        context = await run_in_threadpool(edit_context, request, item)
        context.update(rename_errors={"new_id": str(refused)}, rename_value=new)
        return render(request, "admin_event_form.html", context, status_code=422)
    await audit(request, "event.renamed", old, new)
    return redirect(request, str(request.app.url_path_for("admin_event_edit", event_id=new)))
