"""Reconciliation: the day's payments per crew member, the range chart and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.chart import range_chart, range_sum
from server.domain.event_ids import InvalidEventId, parse_date
from server.domain.reconcile import (
    MAX_RANGE_DAYS,
    cash_paid_out,
    csv_rows,
    day_report,
    logged_payments,
    range_totals,
)
from server.web.auth import captain_only
from server.web.event_view import EventView
from server.web.render import render
from server.web.routing import Routes
from server.web.state import settings_of, store_of, today_of

routes = Routes()

# --- reconciliation --------------------------------------------------------------------


def day_param(request: Request, name: str, default: date) -> tuple[date, str | None]:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default, None
    try:
        return parse_date(raw), None
    except InvalidEventId as invalid:
        return default, invalid.message


def typed_param(request: Request, name: str, default: str = "") -> str:
    """A query value as a one-line field shows it again: without line breaks, which
    a browser strips from an input's value (and HTML does not allow in one)."""
    value = request.query_params.get(name, default)
    return value.replace("\r", "").replace("\n", "")


@routes.get("/admin/payments", "admin_payments")
@captain_only
async def payments_day(request: Request) -> Response:
    store = store_of(request)
    today = today_of(request)
    day, error = day_param(request, "date", today)
    if error:
        return render(
            request,
            "admin_payments.html",
            {
                "errors": {"date": error},
                "day": typed_param(request, "date"),
                "report": None,
                "events": [],
            },
            status_code=422,
        )
    items = await run_in_threadpool(store.events.scan_all)
    report = day_report(logged_payments(items, settings_of(request).timezone), day)
    accounts = await run_in_threadpool(store.users.all)
    cash_payouts = cash_paid_out(accounts, day)
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
            "cash_payouts": cash_payouts,
            "events": sorted(events, key=lambda e: e.start_time),
            "previous": (day - timedelta(days=1)).isoformat(),
            "next": (day + timedelta(days=1)).isoformat(),
        },
    )


def _range(request: Request) -> tuple[date, date, dict[str, str]]:
    today = today_of(request)
    start, start_error = day_param(request, "from", today - timedelta(days=13))
    end, end_error = day_param(request, "to", today)
    errors = {k: v for k, v in (("from", start_error), ("to", end_error)) if v}
    if not errors and start > end:
        errors["to"] = "The end date must be on or after the start date."
    if not errors and (end - start).days >= MAX_RANGE_DAYS:
        errors["to"] = f"Choose at most {MAX_RANGE_DAYS} days."
    return start, end, errors


@routes.get("/admin/payments/range", "admin_payments_range")
@captain_only
async def payments_range(request: Request) -> Response:
    store = store_of(request)
    start, end, errors = _range(request)
    values = {
        "from": typed_param(request, "from", start.isoformat()),
        "to": typed_param(request, "to", end.isoformat()),
    }
    if errors:
        return render(
            request,
            "admin_range.html",
            {"errors": errors, "values": values, "days": []},
            status_code=422,
        )
    items = await run_in_threadpool(store.events.scan_all)
    days = range_totals(logged_payments(items, settings_of(request).timezone), start, end)
    return render(
        request,
        "admin_range.html",
        {
            "errors": {},
            "values": values,
            "days": days,
            "chart": range_chart(days),
            "totals": range_sum(days),
            "start": start,
            "end": end,
        },
    )


@routes.get("/admin/payments.csv", "admin_payments_csv")
@captain_only
async def payments_csv(request: Request) -> Response:
    store = store_of(request)
    start, end, errors = _range(request)
    if errors:
        raise HTTPException(422, " ".join(errors.values()))
    items = await run_in_threadpool(store.events.scan_all)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_rows(logged_payments(items, settings_of(request).timezone), start, end))
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
