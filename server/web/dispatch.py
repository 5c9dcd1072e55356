"""The crew's dispatch pages and the Log Payment API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.board import BOARD_CARDS, board_page, day_of, first_day
from server.domain.clock import utc_now_iso
from server.domain.crew_roles import is_assigned
from server.domain.float_plan import TripState, state_of
from server.domain.forms import form_values, text_field
from server.domain.money import money_str
from server.domain.payments import Refusal
from server.domain.records import LedgerEntry
from server.domain.users import User
from server.notify.outbox import Notifier
from server.services import payments
from server.services.payments import OverBalance
from server.services.results import Refused
from server.web.auth import crew_only
from server.web.crew_view import crew_warnings
from server.web.drafts import forget_draft, redirect_with_draft, take_draft
from server.web.event_view import (
    EventView,
    crew_names,
    entry_json,
    event_with_waivers,
    find_event,
    valid_event_id,
    view_of,
)
from server.web.render import Kind, json_form_error, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import blocking, sends_after_response, store_of, today_of

routes = Routes()

AFLOAT = (TripState.OUT, TripState.OVERDUE)


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
        view_of(request, item, guests[item["event_id"]])
        for item in items
        if item["date"] >= today.isoformat() or state_of(item) in AFLOAT
    ]
    # Overdue trips first, for everyone signed in: the alarm is read at a glance.
    events.sort(key=lambda e: e.trip_state is not TripState.OVERDUE)
    key = request.query_params.get("saved", "")
    user: User = request.state.user
    # "My trips" first (the ones this member is assigned to), "All trips" one tap away;
    # someone assigned to none of these trips sees them all. No extra read: the crew is
    # on the event items the board already read.
    mine = [e for e in events if is_assigned(e.item, user.email)]
    show_all = request.query_params.get("trips") == "all" or not mine
    context = {
        "events": events if show_all else mine,
        "overdue": [e for e in events if e.trip_state is TripState.OVERDUE],
        "trips": "all" if show_all else "mine",
        "assigned_any": bool(mine),
        "saved": next(((e, p) for e in events if (p := e.payment(key)) is not None), None),
        "later_page": first if first > today else None,
        "next_day": next_day,
    }
    return render(request, "dispatch.html", context)


@routes.get("/dispatch/events/{event_id}", "event_detail")
@crew_only
async def event_detail(request: Request) -> Response:
    view, _ = await run_in_threadpool(event_with_waivers, request)
    if response_kind(request) is Kind.JSON:
        names = await run_in_threadpool(crew_names, store_of(request), view.item)
        return JSONResponse(view.as_json(names))
    saved = view.payment(request.query_params.get("saved", ""))
    context: dict[str, Any] = {"event": view, "saved": saved}
    user: User = request.state.user
    if user.is_captain and not view.departure and not view.cancelled:
        # The captain's warnings about the crew (one users read; crew do not pay it).
        context["crew_warnings"] = await run_in_threadpool(
            crew_warnings, store_of(request), view.item
        )
    return render(request, "event.html", context, fragment="_event_detail.html")


@routes.get("/api/events/{event_id}", "event_json")
@crew_only
async def event_json(request: Request) -> Response:
    view, _ = await run_in_threadpool(event_with_waivers, request)
    names = await run_in_threadpool(crew_names, store_of(request), view.item)
    return JSONResponse(view.as_json(names))


def _payment_form(
    request: Request,
    event: EventView,
    *,
    payment_id: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    from_trip: bool = False,
    over: tuple[Decimal, Decimal] | None = None,
) -> Response:
    """The Log Payment form: a page without htmx, the modal's fragment with it. `over`:
    (amount, how far past the balance due it goes), when the form asks to confirm it."""
    context = {
        "event": event,
        "payment_id": payment_id or str(uuid.uuid4()),
        "values": values or {},
        "errors": errors or {},
        "saved": None,
        "from_trip": from_trip,
        "over": over,
    }
    return render(
        request, "payment.html", context, fragment="_payment_form.html", status_code=status_code
    )


@routes.get("/dispatch/events/{event_id}/payment", "payment_form")
@crew_only
async def payment_form(request: Request) -> Response:
    item = await run_in_threadpool(find_event, store_of(request), request.path_params["event_id"])
    from_trip = request.query_params.get("from") == "trip"
    draft = take_draft(request, "payment", str(item["event_id"]))
    if draft is None:
        response = _payment_form(request, view_of(request, item), from_trip=from_trip)
    else:  # redirected here after a refusal (no JS): what was typed, with its messages
        over = draft.get("over")
        response = _payment_form(
            request,
            view_of(request, item),
            payment_id=str(draft.get("payment_id") or "") or None,
            values={k: str(v) for k, v in dict(draft.get("values") or {}).items()},
            errors={k: str(v) for k, v in dict(draft.get("errors") or {}).items()},
            status_code=int(draft.get("status") or 422),
            from_trip=from_trip,
            over=(Decimal(over[0]), Decimal(over[1])) if over else None,
        )
    forget_draft(request, response)
    return response


def _form_error(
    request: Request,
    event_id: str,
    form: Any,
    errors: dict[str, str],
    status_code: int,
    *,
    fresh_key: bool = False,
    over: tuple[Decimal, Decimal] | None = None,
) -> Response:
    if response_kind(request) is Kind.JSON:
        return json_form_error(errors, status_code)
    item = find_event(store_of(request), event_id)
    values = form_values(form, ("amount", "tip", "method", "note"), multiline=("note",))
    payment_id = str(uuid.uuid4()) if fresh_key else text_field(form, "payment_id")
    page = request.app.url_path_for("log_payment_page", event_id=event_id)
    if response_kind(request) is Kind.PAGE and request.url.path == page:
        # Without JS: post/redirect/get, so Back never lands on "Confirm Form
        # Resubmission" (server.web.drafts); the page redirected to says it all again.
        url = str(request.app.url_path_for("payment_form", event_id=str(item["event_id"])))
        from_trip = text_field(form, "from") == "trip"
        draft = {
            "values": values,
            "errors": errors,
            "payment_id": payment_id,
            "status": status_code,
            "over": [money_str(over[0]), money_str(over[1])] if over else None,
        }
        answer = redirect_with_draft(
            request,
            url + ("?from=trip" if from_trip else ""),
            "payment",
            str(item["event_id"]),
            draft,
        )
        if answer is not None:
            return answer
    return _payment_form(
        request,
        view_of(request, item),
        payment_id=payment_id,
        values=values,
        errors=errors,
        status_code=status_code,
        from_trip=text_field(form, "from") == "trip",
        over=over,
    )


# The plain form posts to its own page's address, so after a refusal (422) the address
# bar still shows a page; htmx and the JSON API use /api/. One handler for both.
@routes.post("/dispatch/events/{event_id}/payment", "log_payment_page")
@routes.post("/api/events/{event_id}/payment", "log_payment")
@crew_only
async def log_payment(request: Request) -> Response:
    event_id = valid_event_id(request)
    form = await request.form()
    store = store_of(request)
    ask_over = response_kind(request) is not Kind.JSON  # the API was asked on the phone
    outcome = await blocking(
        request,
        payments.log_payment,
        store.events,
        event_id,
        form,
        request.state.user,
        utc_now_iso(),
        ask_over=ask_over,
    )
    if isinstance(outcome, OverBalance):  # ask first, nothing written
        confirm = (outcome.amount, outcome.over)
        return await run_in_threadpool(_form_error, request, event_id, form, {}, 422, over=confirm)
    if isinstance(outcome, Refused):
        if outcome.status == 404:
            # A renamed event's stub: find_event answers its redirect; else 404.
            await run_in_threadpool(find_event, store, event_id)
            raise HTTPException(404)
        duplicate = outcome.code == Refusal.DUPLICATE.value
        return await run_in_threadpool(
            _form_error,
            request,
            event_id,
            form,
            outcome.errors,
            outcome.status,
            fresh_key=duplicate,
        )
    item, entry, created = outcome.item, outcome.entry, outcome.created
    from_trip = text_field(form, "from") == "trip"
    if from_trip and "payments" not in item and response_kind(request) is Kind.FRAGMENT:
        # The trip page's answer shows the payment history: that page reads the ledger.
        item = await run_in_threadpool(find_event, store, event_id)
    # One UpdateItem and no reads: the card's waiver count is not re-read here.
    view = view_of(request, item, waivers_signed=None)
    response = _payment_saved(request, view, entry, created, from_trip)
    notifier: Notifier = request.app.state.notifier
    if created and sends_after_response(request) and notifier.mailer is not None:
        # After the response is sent: queue and try the operator's email at once. (On
        # Lambda the owed mark written with the payment starts the stream's send.)
        # Without a mailer there is nothing to try (the owed mark is the queue), so no
        # task and no hop to the thread pool.
        response.background = BackgroundTask(notifier.after_payment, item, entry["payment_id"])
    return response


def _payment_saved(
    request: Request, view: EventView, entry: LedgerEntry, created: bool, from_trip: bool
) -> Response:
    kind = response_kind(request)
    if kind is Kind.JSON:
        book = view.ledger
        return JSONResponse(
            {
                "payment": entry_json(entry),
                "event_id": view.event_id,
                "paid": money_str(book.paid),
                "balance_due": money_str(book.balance_due),
                "tips": money_str(book.tips),
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
                "from_trip": from_trip,
            },
        )
    # Back where the form was opened, which says what was saved (naming the trip); a
    # later trip's card is on its own day's page of the board.
    trip = request.app.url_path_for("event_detail", event_id=view.event_id)
    later = f"&from={view.day}" if view.day > view.today and not from_trip else ""
    back = trip if from_trip else request.app.url_path_for("dispatch")
    return redirect(request, f"{back}?saved={entry['payment_id']}{later}")
