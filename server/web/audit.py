"""The captain's audit log and notifications (outbox) pages; the one way to record an
audit entry."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.audit_text import (
    AuditLine,
    describe,
    mentioned_trips,
    on_local_day,
    utc_days,
)
from server.domain.clock import day_label, utc_now_iso
from server.domain.forms import text_field
from server.domain.users import User
from server.notify.outbox import Notifier
from server.store import Store
from server.web.auth import captain_only
from server.web.notices_view import described
from server.web.render import redirect, render
from server.web.reports import day_param, typed_param
from server.web.routing import Routes
from server.web.state import settings_of, store_of, today_of

routes = Routes()


async def audit(request: Request, action: str, target: str, detail: str = "") -> None:
    """Append who did what to the audit log (the signed-in captain, now)."""
    user: User = request.state.user
    await run_in_threadpool(
        store_of(request).audit.record, utc_now_iso(), user.email, action, target, detail
    )


def _audit_lines(request: Request, day: date) -> list[AuditLine]:
    """The operator's `day` of records (up to two UTC partitions), worded for people."""
    store, timezone = store_of(request), settings_of(request).timezone
    records = [e for d in utc_days(day, timezone) for e in store.audit.on_day(d)]
    entries = on_local_day(records, day, timezone)
    names = {str(u["email"]): str(u.get("name") or u["email"]) for u in store.users.all()}
    trips = {i: store.events.get(i) for i in mentioned_trips(entries) if i}
    events = {i: item for i, item in trips.items() if item is not None}
    return [describe(e, names, events, timezone) for e in entries]


@routes.get("/admin/audit", "admin_audit")
@captain_only
async def audit_log(request: Request) -> Response:
    day, error = day_param(request, "date", today_of(request))
    lines = [] if error else await run_in_threadpool(_audit_lines, request, day)
    return render(
        request,
        "admin_audit.html",
        {
            "lines": lines,
            "day": typed_param(request, "date", day.isoformat()),
            "day_label": day_label(day, long=True),
            # "Los Angeles" for America/Los_Angeles: the operator's clock, by its city.
            "zone": str(settings_of(request).timezone).split("/")[-1].replace("_", " "),
            "errors": {"date": error} if error else {},
        },
        status_code=422 if error else 200,
    )


# --- notifications -------------------------------------------------------------------


def _notifications(store: Store) -> dict[str, Any]:
    return {
        "pending": described(store, store.outbox.in_state("pending")),
        "failed": described(store, store.outbox.in_state("failed")),
        "sent": described(store, store.outbox.in_state("sent", limit=50, newest_first=True)),
        "unqueued": len(store.events.owing_notices()) + len(store.waivers.owing_notices()),
        "broken": store.outbox.mailer_broken(),
    }


@routes.get("/admin/notifications", "admin_notifications")
@captain_only
async def notifications(request: Request) -> Response:
    context = await run_in_threadpool(_notifications, store_of(request))
    notifier: Notifier = request.app.state.notifier
    context["configured"] = notifier.mailer is not None
    context["resent"] = request.query_params.get("resent", "")
    return render(request, "admin_notifications.html", context)


@routes.post("/admin/notifications/resend", "admin_notification_resend")
@captain_only
async def notification_resend(request: Request) -> Response:
    form = await request.form()
    notice_id = text_field(form, "notice_id")
    store = store_of(request)
    if not notice_id or not await run_in_threadpool(store.outbox.reset, notice_id, time.time()):
        raise HTTPException(404)
    notifier: Notifier = request.app.state.notifier
    response = redirect(request, f"{request.app.url_path_for('admin_notifications')}?resent=1")
    response.background = BackgroundTask(notifier.after_resend, notice_id)
    return response
