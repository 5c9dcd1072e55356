"""The captain's desk: events, crew accounts, id clean-up and reconciliation."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import (
    User,
    captain_only,
    checked_form,
    hash_password,
    normalize_email,
    utc_now_iso,
)
from server.event_form import EDITABLE, new_event_id, validate_event_details, validate_new_event
from server.event_ids import InvalidEventId, is_valid_event_id, parse_date
from server.event_view import EventView, find_event, today_in
from server.forms import FormErrors, text_field
from server.notifications import Notifier
from server.reconcile import (
    MAX_RANGE_DAYS,
    chart_bars,
    csv_rows,
    day_report,
    logged_payments,
    range_totals,
)
from server.rename import RenameError, lint_ids, rename_event, suggest_id
from server.store import Store
from server.store.events import EventExists
from server.store.users import UserExists
from server.users import ROLES, validate_new_user
from server.web import redirect, render

EVENT_FIELDS = ("date", "first_name", "period", *EDITABLE)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def audit(request: Request, action: str, target: str, detail: str = "") -> None:
    """Append who did what to the audit log (the signed-in captain, now)."""
    user: User = request.state.user
    await run_in_threadpool(
        _store(request).audit.record, utc_now_iso(), user.email, action, target, detail
    )


@captain_only
async def audit_log(request: Request) -> Response:
    store = _store(request)
    day, error = _day_param(request, "date", today_in(store))
    entries = [] if error else await run_in_threadpool(store.audit.on_day, day.isoformat())
    return render(
        request,
        "admin_audit.html",
        {
            "entries": entries,
            "day": request.query_params.get("date", day.isoformat()),
            "errors": {"date": error} if error else {},
        },
        status_code=422 if error else 200,
    )


@captain_only
async def admin_home(request: Request) -> Response:
    return RedirectResponse(request.app.url_path_for("admin_events"), status_code=303)


# --- events ---------------------------------------------------------------------------


@captain_only
async def events_list(request: Request) -> Response:
    store = _store(request)
    today = today_in(store)
    past = request.query_params.get("tab") == "past"
    load = store.events.past if past else store.events.upcoming
    items = await run_in_threadpool(load, today.isoformat())
    lint = await run_in_threadpool(lint_ids, store) if not past else []
    return render(
        request,
        "admin_events.html",
        {
            "events": [EventView(item=i, today=today) for i in items],
            "past": past,
            "lint": lint,
        },
    )


def _event_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    event: EventView | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin_event_form.html",
        {"values": values, "errors": errors, "event": event, "preview": _preview(request, values)},
        status_code=status_code,
    )


def _preview(request: Request, values: dict[str, str]) -> dict[str, str]:
    """What id the create form's fields make: {"id": ...} or {"error", "field"}."""
    if not any(values.get(k) for k in ("date", "first_name")):
        return {}
    try:
        event_id = new_event_id(values)
    except InvalidEventId as exc:
        return {"error": exc.message, "field": exc.field}
    if _store(request).events.get(event_id) is not None:
        return {"error": f"An event {event_id} already exists.", "field": "first_name"}
    return {"id": event_id}


@captain_only
async def event_new(request: Request) -> Response:
    return _event_form(request, {"date": today_in(_store(request)).isoformat()}, {})


@captain_only
async def event_id_preview(request: Request) -> Response:
    values = {k: request.query_params.get(k, "") for k in ("date", "first_name", "period")}
    preview = await run_in_threadpool(_preview, request, values)
    return render(request, "_event_id_preview.html", {"preview": preview})


def _find(store: Store, event_id: str) -> dict[str, Any]:
    """The captain may open legacy ids (to rename them), not just conforming ones."""
    return find_event(store, event_id, legacy_ok=True)


def _values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: text_field(form, name) for name in names}


@captain_only
async def event_create(request: Request) -> Response:
    form = await checked_form(request)
    values = _values(form, EVENT_FIELDS)
    try:
        item = validate_new_event(values)
        await run_in_threadpool(_store(request).events.create, item)
    except FormErrors as invalid:
        errors = invalid.errors
    except EventExists as exists:
        errors = {"first_name": f"An event {exists} already exists."}
    else:
        await audit(request, "event.created", item["event_id"])
        url = request.app.url_path_for("admin_event_edit", event_id=item["event_id"])
        return redirect(request, f"{url}?created=1")
    return await run_in_threadpool(_event_form, request, values, errors, status_code=422)


def _edit_values(item: dict[str, Any]) -> dict[str, str]:
    values = {k: ("" if item.get(k) is None else str(item.get(k))) for k in EDITABLE}
    if item.get("total_price") is not None:
        values["total_price"] = f"{item['total_price']:.2f}"
    return values


@captain_only
async def event_edit(request: Request) -> Response:
    store = _store(request)
    item = await run_in_threadpool(_find, store, request.path_params["event_id"])
    event = EventView(item=item, today=today_in(store))
    suggestion = "" if is_valid_event_id(event.event_id) else suggest_id(item) or ""
    return render(
        request,
        "admin_event_form.html",
        {
            "values": _edit_values(item),
            "errors": {},
            "event": event,
            "preview": {},
            "created": request.query_params.get("created") == "1",
            "rename_value": suggestion,
        },
    )


@captain_only
async def event_update(request: Request) -> Response:
    form = await checked_form(request)
    store = _store(request)
    item = await run_in_threadpool(_find, store, request.path_params["event_id"])
    event = EventView(item=item, today=today_in(store))
    values = _values(form, EDITABLE)
    try:
        details = validate_event_details(values)
    except FormErrors as invalid:
        return render(
            request,
            "admin_event_form.html",
            {"values": values, "errors": invalid.errors, "event": event, "preview": {}},
            status_code=422,
        )
    if not await run_in_threadpool(store.events.update_details, event.event_id, details):
        raise HTTPException(409, "The event is being renamed or was moved. Reload and try again.")
    await audit(request, "event.edited", event.event_id)
    return redirect(request, str(request.app.url_path_for("admin_events")))


@captain_only
async def event_status(request: Request) -> Response:
    form = await checked_form(request)
    store = _store(request)
    item = await run_in_threadpool(_find, store, request.path_params["event_id"])
    status = text_field(form, "status")
    if status not in ("cancelled", "scheduled"):
        raise HTTPException(400)
    if not await run_in_threadpool(store.events.set_status, item["event_id"], status):
        raise HTTPException(409, "The event is being renamed or was moved. Reload and try again.")
    await audit(request, f"event.{status}", item["event_id"])
    return redirect(
        request, str(request.app.url_path_for("admin_event_edit", event_id=item["event_id"]))
    )


@captain_only
async def event_rename(request: Request) -> Response:
    form = await checked_form(request)
    store = _store(request)
    old = request.path_params["event_id"]
    new = text_field(form, "new_id").lower()
    try:
        await run_in_threadpool(rename_event, store, old, new)
    except RenameError as refused:
        item = await run_in_threadpool(store.events.get, old)
        if item is None:
            raise HTTPException(404) from None
        return render(
            request,
            "admin_event_form.html",
            {
                "values": _edit_values(item),
                "errors": {},
                "rename_errors": {"new_id": str(refused)},
                "rename_value": new,
                "event": EventView(item=item, today=today_in(store)),
                "preview": {},
            },
            status_code=422,
        )
    await audit(request, "event.renamed", old, new)
    return redirect(request, str(request.app.url_path_for("admin_event_edit", event_id=new)))


# --- crew ----------------------------------------------------------------------------


def _crew_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    *,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    users = _store(request).users.all()
    return render(
        request,
        "admin_crew.html",
        {
            "users": users,
            "errors": errors or {},
            "values": values or {"role": "crew"},
            "roles": ROLES,
            "notice": notice,
        },
        status_code=status_code,
    )


@captain_only
async def crew_list(request: Request) -> Response:
    notice = request.query_params.get("done", "")
    return await run_in_threadpool(lambda: _crew_page(request, notice=notice))


@captain_only
async def crew_add(request: Request) -> Response:
    form = await checked_form(request)
    values = _values(form, ("email", "name", "role"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    errors: dict[str, str] = {}
    if values["role"] not in ROLES:
        errors["role"] = "Choose crew or captain."
    try:
        email, name = validate_new_user(values["email"], values["name"], password)
    except FormErrors as invalid:
        errors.update(invalid.errors)
    if errors:
        return await run_in_threadpool(lambda: _crew_page(request, errors, values, status_code=422))
    hashed = await run_in_threadpool(hash_password, password)
    try:
        await run_in_threadpool(
            _store(request).users.create, email, name, values["role"], hashed, utc_now_iso()
        )
    except UserExists:
        errors = {"email": "An account with this email already exists."}
        return await run_in_threadpool(lambda: _crew_page(request, errors, values, status_code=422))
    await audit(request, "account.added", email, values["role"])
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?done=added")


def _account(request: Request, email: str) -> dict[str, Any]:
    user = _store(request).users.get(normalize_email(email))
    if user is None:
        raise HTTPException(404)
    return user


@captain_only
async def crew_password(request: Request) -> Response:
    form = await checked_form(request)
    store = _store(request)
    user = await run_in_threadpool(_account, request, text_field(form, "email"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    try:
        validate_new_user(user["email"], user["name"], password)
    except FormErrors as invalid:
        errors = {f"password-{user['email']}": invalid.errors.get("password", "")}
        return await run_in_threadpool(lambda: _crew_page(request, errors, status_code=422))
    hashed = await run_in_threadpool(hash_password, password)
    await run_in_threadpool(store.users.set_password, user["email"], hashed)
    await run_in_threadpool(store.sessions.delete_for_user, user["email"])
    await audit(request, "account.password_reset", user["email"])
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?done=password")


def _active_captains(store: Store) -> list[str]:
    return [
        str(u["email"])
        for u in store.users.all()
        if u.get("role") == "captain" and not u.get("disabled")
    ]


@captain_only
async def crew_disable(request: Request) -> Response:
    form = await checked_form(request)
    store = _store(request)
    user = await run_in_threadpool(_account, request, text_field(form, "email"))
    captains = await run_in_threadpool(_active_captains, store)
    if captains == [user["email"]]:
        errors = {"form": "This is the last active captain: add or re-enable another first."}
        return await run_in_threadpool(lambda: _crew_page(request, errors, status_code=409))
    await run_in_threadpool(store.users.set_disabled, user["email"], True)
    await run_in_threadpool(store.sessions.delete_for_user, user["email"])
    await audit(request, "account.disabled", user["email"])
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?done=disabled")


@captain_only
async def crew_enable(request: Request) -> Response:
    form = await checked_form(request)
    user = await run_in_threadpool(_account, request, text_field(form, "email"))
    await run_in_threadpool(_store(request).users.set_disabled, user["email"], False)
    await audit(request, "account.enabled", user["email"])
    return redirect(request, f"{request.app.url_path_for('admin_crew')}?done=enabled")


# --- reconciliation --------------------------------------------------------------------


def _day_param(request: Request, name: str, default: date) -> tuple[date, str | None]:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default, None
    try:
        return parse_date(raw), None
    except InvalidEventId as invalid:
        return default, invalid.message


@captain_only
async def payments_day(request: Request) -> Response:
    store = _store(request)
    today = today_in(store)
    day, error = _day_param(request, "date", today)
    if error:
        return render(
            request,
            "admin_payments.html",
            {
                "errors": {"date": error},
                "day": request.query_params.get("date", ""),
                "report": None,
                "events": [],
            },
            status_code=422,
        )
    items = await run_in_threadpool(store.events.scan_all)
    report = day_report(logged_payments(items, store.settings.timezone), day)
    events = [
        EventView(item=i, today=today)
        for i in items
        if i.get("date") == day.isoformat() and "moved_to" not in i
    ]
    return render(
        request,
        "admin_payments.html",
        {
            "errors": {},
            "day": day.isoformat(),
            "report": report,
            "events": sorted(events, key=lambda e: e.start_time),
            "previous": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
        },
    )


def _range(request: Request) -> tuple[date, date, dict[str, str]]:
    today = today_in(_store(request))
    start, start_error = _day_param(request, "from", today - timedelta(days=13))
    end, end_error = _day_param(request, "to", today)
    errors = {k: v for k, v in (("from", start_error), ("to", end_error)) if v}
    if not errors and start > end:
        errors["to"] = "The end date must be on or after the start date."
    if not errors and (end - start).days >= MAX_RANGE_DAYS:
        errors["to"] = f"Choose at most {MAX_RANGE_DAYS} days."
    return start, end, errors


@captain_only
async def payments_range(request: Request) -> Response:
    store = _store(request)
    start, end, errors = _range(request)
    values = {
        "from": request.query_params.get("from", start.isoformat()),
        "to": request.query_params.get("to", end.isoformat()),
    }
    if errors:
        return render(
            request,
            "admin_range.html",
            {"errors": errors, "values": values, "days": [], "bars": [], "width": 0},
            status_code=422,
        )
    items = await run_in_threadpool(store.events.scan_all)
    days = range_totals(logged_payments(items, store.settings.timezone), start, end)
    bars, width = chart_bars(days)
    return render(
        request,
        "admin_range.html",
        {
            "errors": {},
            "values": values,
            "days": days,
            "bars": bars,
            "width": width,
            "start": start,
            "end": end,
        },
    )


@captain_only
async def payments_csv(request: Request) -> Response:
    store = _store(request)
    start, end, errors = _range(request)
    if errors:
        raise HTTPException(422, " ".join(errors.values()))
    items = await run_in_threadpool(store.events.scan_all)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_rows(logged_payments(items, store.settings.timezone), start, end))
    filename = f"payments-{start.isoformat()}-to-{end.isoformat()}.csv"
    # A BOM makes spreadsheet programs read the file as UTF-8 (accents, emoji in notes).
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- notifications -------------------------------------------------------------------


def _notifications(store: Store) -> dict[str, Any]:
    return {
        "pending": store.outbox.in_state("pending"),
        "failed": store.outbox.in_state("failed"),
        "sent": store.outbox.in_state("sent", limit=50, newest_first=True),
        "unqueued": len(store.events.owing_notices()) + len(store.waivers.owing_notices()),
    }


@captain_only
async def notifications(request: Request) -> Response:
    context = await run_in_threadpool(_notifications, _store(request))
    notifier: Notifier = request.app.state.notifier
    context["configured"] = notifier.mailer is not None
    context["resent"] = request.query_params.get("resent", "")
    return render(request, "admin_notifications.html", context)


@captain_only
async def notification_resend(request: Request) -> Response:
    form = await checked_form(request)
    notice_id = text_field(form, "notice_id")
    store = _store(request)
    if not notice_id or not await run_in_threadpool(store.outbox.reset, notice_id, time.time()):
        raise HTTPException(404)
    notifier: Notifier = request.app.state.notifier
    response = redirect(request, f"{request.app.url_path_for('admin_notifications')}?resent=1")
    response.background = BackgroundTask(notifier.after_resend, notice_id)
    return response


routes = [
    Route("/admin", admin_home, methods=["GET"], name="admin"),
    Route("/admin/events", events_list, methods=["GET"], name="admin_events"),
    Route("/admin/events", event_create, methods=["POST"], name="admin_event_create"),
    Route("/admin/events/new", event_new, methods=["GET"], name="admin_event_new"),
    Route("/admin/events/id-preview", event_id_preview, methods=["GET"], name="admin_id_preview"),
    Route("/admin/events/{event_id}/edit", event_edit, methods=["GET"], name="admin_event_edit"),
    Route("/admin/events/{event_id}", event_update, methods=["POST"], name="admin_event_update"),
    Route(
        "/admin/events/{event_id}/status", event_status, methods=["POST"], name="admin_event_status"
    ),
    Route(
        "/admin/events/{event_id}/rename", event_rename, methods=["POST"], name="admin_event_rename"
    ),
    Route("/admin/crew", crew_list, methods=["GET"], name="admin_crew"),
    Route("/admin/crew", crew_add, methods=["POST"], name="admin_crew_add"),
    Route("/admin/crew/password", crew_password, methods=["POST"], name="admin_crew_password"),
    Route("/admin/crew/disable", crew_disable, methods=["POST"], name="admin_crew_disable"),
    Route("/admin/crew/enable", crew_enable, methods=["POST"], name="admin_crew_enable"),
    Route("/admin/payments", payments_day, methods=["GET"], name="admin_payments"),
    Route("/admin/payments/range", payments_range, methods=["GET"], name="admin_payments_range"),
    Route("/admin/payments.csv", payments_csv, methods=["GET"], name="admin_payments_csv"),
    Route("/admin/notifications", notifications, methods=["GET"], name="admin_notifications"),
    Route("/admin/audit", audit_log, methods=["GET"], name="admin_audit"),
    Route(
        "/admin/notifications/resend",
        notification_resend,
        methods=["POST"],
        name="admin_notification_resend",
    ),
]
