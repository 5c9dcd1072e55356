"""The crew's dispatch pages and the Log Payment API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.board import BOARD_CARDS, board_page, day_of, first_day
from server.domain.clock import utc_now_iso
from server.domain.float_plan import TripState, state_of
from server.domain.forms import FormErrors, form_values, text_field
from server.domain.payments import (
    MAX_ENTRIES,
    MAX_LEDGER_BYTES,
    PaymentRequest,
    Refusal,
    parse_payment_id,
    validate_payment,
    validate_void_reason,
)
from server.domain.users import User
from server.notify.outbox import Notifier
from server.store import Store
from server.store.events import AppendRefused
from server.web.auth import captain_only, crew_only
from server.web.event_view import EventView, entry_json, find_event, valid_event_id
from server.web.render import Kind, json_form_error, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import sends_after_response, store_of, today_of, trip_clock

routes = Routes()

AFLOAT = (TripState.OUT, TripState.OVERDUE)

# Voids may go a little past the ledger's caps, so a full event can still be corrected.
VOID_HEADROOM = 50


def _view(request: Request, item: dict[str, Any], waivers_signed: int | None = 0) -> EventView:
    return EventView(
        item=item, today=today_of(request), waivers_signed=waivers_signed, **trip_clock(request)
    )


def _event_with_waivers(request: Request) -> EventView:
    """The event at the path's id, with the guests its waivers cover (two reads)."""
    store = store_of(request)
    item = find_event(store, request.path_params["event_id"])
    waivers = store.waivers.for_event(item["event_id"])
    return _view(request, item, sum(int(w.get("guest_count", 1)) for w in waivers))


@routes.get("/dispatch", "dispatch")
@crew_only
async def dashboard(request: Request) -> Response:
    store = store_of(request)
    today = today_of(request)
    first = first_day(request.query_params.get("from", ""), today)
    # Today's board reads yesterday too: its trips still out (a sunset sail back after
    # midnight). Later pages (docs/decisions.md) start on their own day.
    since = (first - timedelta(days=1) if first == today else first).isoformat()
    after_first = (first + timedelta(days=1)).isoformat()
    read, more = await run_in_threadpool(store.events.board, since, after_first, BOARD_CARDS + 1)
    items, next_day = board_page(read, first, more)
    until = day_of(items[-1]) if items else since
    guests = await run_in_threadpool(store.waivers.guests_from, since, until)
    events = [
        EventView(
            item=item, today=today, waivers_signed=guests[item["event_id"]], **trip_clock(request)
        )
        for item in items
        if item["date"] >= today.isoformat() or state_of(item) in AFLOAT
    ]
    # Overdue trips first, for everyone signed in: the alarm is read at a glance.
    events.sort(key=lambda e: e.trip_state is not TripState.OVERDUE)
    context = {
        "events": events,
        "saved": request.query_params.get("saved", ""),
        "later_page": first if first > today else None,
        "next_day": next_day,
    }
    return render(request, "dispatch.html", context)


@routes.get("/dispatch/events/{event_id}", "event_detail")
@crew_only
async def event_detail(request: Request) -> Response:
    view = await run_in_threadpool(_event_with_waivers, request)
    if response_kind(request) is Kind.JSON:
        return JSONResponse(view.as_json())
    return render(request, "event.html", {"event": view}, fragment="_event_detail.html")


@routes.get("/api/events/{event_id}", "event_json")
@crew_only
async def event_json(request: Request) -> Response:
    view = await run_in_threadpool(_event_with_waivers, request)
    return JSONResponse(view.as_json())


def _payment_form(
    request: Request,
    event: EventView,
    *,
    payment_id: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The Log Payment form: a page without htmx, the modal's fragment with it."""
    context = {
        "event": event,
        "payment_id": payment_id or str(uuid.uuid4()),
        "values": values or {},
        "errors": errors or {},
        "saved": saved,
    }
    return render(
        request, "payment.html", context, fragment="_payment_form.html", status_code=status_code
    )


@routes.get("/dispatch/events/{event_id}/payment", "payment_form")
@crew_only
async def payment_form(request: Request) -> Response:
    item = await run_in_threadpool(find_event, store_of(request), request.path_params["event_id"])
    return _payment_form(request, _view(request, item))


def _form_error(
    request: Request,
    event_id: str,
    form: Any,
    errors: dict[str, str],
    status_code: int,
    *,
    fresh_key: bool = False,
) -> Response:
    if response_kind(request) is Kind.JSON:
        return json_form_error(errors, status_code)
    item = find_event(store_of(request), event_id)
    values = form_values(form, ("amount", "method", "note"), multiline=("note",))
    return _payment_form(
        request,
        _view(request, item),
        payment_id=None if fresh_key else text_field(form, "payment_id"),
        values=values,
        errors=errors,
        status_code=status_code,
    )


def _record(
    store: Store, event_id: str, payment: PaymentRequest, user: User
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Append the payment (one conditional UpdateItem). Returns the event as stored, the
    entry, and whether this request created it (False for a replay of the same key)."""
    entry = payment.entry(user.email, user.name, utc_now_iso())
    try:
        item = store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
        return item, entry, True
    except AppendRefused as refused:
        duplicate = refused.item if refused.reason is Refusal.DUPLICATE else None
        stored = payment.replay_of(duplicate) if duplicate is not None else None
        if duplicate is None or stored is None:
            raise
        return duplicate, stored, False


REFUSALS = {
    Refusal.CANCELLED: (422, "This trip is cancelled, so no payment can be logged against it."),
    Refusal.FULL: (
        422,
        "This trip's payment history is full (the most one trip can hold). "
        "Nothing was saved; ask the captain.",
    ),
    Refusal.DUPLICATE: (
        409,
        "A different payment was already saved with this form. Nothing new was saved: "
        "check the payment history, and submit again to log another payment.",
    ),
    Refusal.RENAMING: (
        409,
        "This trip is being renamed right now. Nothing was saved; try again in a minute.",
    ),
    Refusal.CONFLICT: (409, "The trip changed while saving. Nothing was saved; try again."),
}


@routes.post("/api/events/{event_id}/payment", "log_payment")
@crew_only
async def log_payment(request: Request) -> Response:
    event_id = valid_event_id(request)
    form = await request.form()
    store = store_of(request)
    user: User = request.state.user
    try:
        payment = validate_payment(form)
    except FormErrors as invalid:
        return await run_in_threadpool(_form_error, request, event_id, form, invalid.errors, 422)
    try:
        item, entry, created = await run_in_threadpool(_record, store, event_id, payment, user)
    except AppendRefused as refused:
        if refused.reason is Refusal.MISSING:
            # A renamed event's stub: find_event answers its redirect; else 404.
            await run_in_threadpool(find_event, store, event_id)
            raise HTTPException(404) from None
        status, message = REFUSALS.get(refused.reason, REFUSALS[Refusal.CONFLICT])
        return await run_in_threadpool(
            _form_error,
            request,
            event_id,
            form,
            {"form": message},
            status,
            fresh_key=refused.reason is Refusal.DUPLICATE,
        )
    # One UpdateItem and no reads: the card's waiver count is not re-read here.
    view = _view(request, item, waivers_signed=None)
    response = _payment_saved(request, view, entry, created)
    if created and sends_after_response(request):
        # After the response is sent: queue and try the operator's email at once. (On
        # Lambda the owed mark written with the payment starts the stream's send.)
        notifier: Notifier = request.app.state.notifier
        response.background = BackgroundTask(notifier.after_payment, item, entry["payment_id"])
    return response


def _payment_saved(
    request: Request, view: EventView, entry: dict[str, Any], created: bool
) -> Response:
    kind = response_kind(request)
    if kind is Kind.JSON:
        book = view.ledger
        return JSONResponse(
            {
                "payment": entry_json(entry),
                "event_id": view.event_id,
                "paid": f"{book.paid:.2f}",
                "balance_due": f"{book.balance_due:.2f}",
                "created": created,
            },
            status_code=201,
        )
    if kind is Kind.FRAGMENT:
        return render(
            request,
            "_payment_logged.html",
            {
                "event": view,
                "entry": entry,
                "payment_id": str(uuid.uuid4()),
                "values": {},
                "errors": {},
                "saved": entry,
            },
        )
    # A later trip's card is on its own day's page of the board.
    later = f"&from={view.day}" if view.day > view.today else ""
    return redirect(request, f"{request.app.url_path_for('dispatch')}?saved={view.event_id}{later}")


@routes.post("/api/events/{event_id}/payments/{payment_id}/void", "void_payment")
@captain_only
async def void_payment(request: Request) -> Response:
    event_id = valid_event_id(request)
    target = str(request.path_params["payment_id"])
    form = await request.form()
    store = store_of(request)
    user: User = request.state.user
    try:
        void_id = parse_payment_id(text_field(form, "void_id"))
        reason = validate_void_reason(form)
    except FormErrors as invalid:
        return await _detail_with_errors(request, event_id, invalid.errors, 422, target)
    entry = {
        "payment_id": void_id,
        "kind": "void",
        "voids": target,
        "reason": reason,
        "logged_by": user.email,
        "logged_by_name": user.name,
        "logged_at": utc_now_iso(),
    }
    try:
        await run_in_threadpool(
            store.events.append_void,
            event_id,
            entry,
            MAX_ENTRIES + VOID_HEADROOM,
            MAX_LEDGER_BYTES + VOID_HEADROOM * 1000,
        )
    except AppendRefused as refused:
        if refused.reason is Refusal.MISSING:
            raise HTTPException(404) from None
        if refused.reason is Refusal.UNKNOWN_TARGET:
            raise HTTPException(404, "There is no such payment on this trip.") from None
        if refused.reason is not Refusal.DUPLICATE:  # a replayed void is already done
            message = {
                Refusal.ALREADY_VOIDED: "That payment was already voided.",
                Refusal.FULL: "This trip holds the most entries one trip can.",
            }.get(refused.reason, "The trip changed while saving. Try again.")
            return await _detail_with_errors(request, event_id, {"form": message}, 409, target)
    url = request.app.url_path_for("event_detail", event_id=event_id)
    if response_kind(request) is Kind.JSON:
        return JSONResponse({"voided": target}, status_code=201)
    return redirect(request, str(url))


async def _detail_with_errors(
    request: Request, event_id: str, errors: dict[str, str], status_code: int, target: str
) -> Response:
    if response_kind(request) is Kind.JSON:
        return json_form_error(errors, status_code)
    item = await run_in_threadpool(find_event, store_of(request), event_id)
    view = _view(request, item)
    book = view.ledger
    voidable = {p["payment_id"] for p in book.payments} - book.voided_ids
    if target not in voidable:
        # No void form for that payment is on the page: say it above the history.
        errors = {"form": " ".join(errors.values())}
    return render(
        request,
        "event.html",
        {"event": view, "void_errors": errors, "void_target": target},
        fragment="_event_detail.html",
        status_code=status_code,
    )
