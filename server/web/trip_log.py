"""The trip log (issue 26 item 10): one trip's whole record for the captain, printable
on one page, and the day's trips with their logs on the captain's desk. Read only:
nothing in a log is edited; corrections are new entries, as the ledger does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from server.domain.audit_text import utc_days
from server.domain.float_plan import state_of
from server.domain.records import Departure, Event
from server.domain.trip_log import log_entries
from server.store import Store
from server.web.auth import captain_only
from server.web.event_view import EventView, find_event
from server.web.render import render
from server.web.reports import day_param
from server.web.routing import Routes
from server.web.state import store_of, today_of

routes = Routes()


@routes.get("/admin/events/{event_id}/log", "admin_trip_log")
@captain_only
async def trip_log(request: Request) -> Response:
    store = store_of(request)
    item = await run_in_threadpool(find_event, store, request.path_params["event_id"])
    departure: Departure | dict[str, Any] = item.get("departure") or {}
    audits = await run_in_threadpool(_audits_of, store, item)
    names = {
        str(u["email"]): str(u.get("name") or u["email"])
        for u in await run_in_threadpool(store.users.all)
    }
    aboard = departure.get("aboard") or []
    context = {
        "event": EventView(item=item, today=today_of(request)),
        "departure": departure,
        "state": state_of(item).value,
        "entries": log_entries(item, audits),
        "names": names,
        "guests": [p for p in aboard if p.get("role") == "guest"],
        "crew": departure.get("crew_aboard")
        or [{**p, "role": "crew"} for p in aboard if p.get("role") == "crew"],
        "boat": departure.get("boat_checked") or {"name": departure.get("boat", "")},
    }
    return render(request, "admin_trip_log.html", context)


def _audits_of(store: Store, item: Event) -> list[dict[str, Any]]:
    """The audit records of the trip's day and the next (a sunset sail back after
    midnight), in the audit table's UTC partitions."""
    day, zone = date.fromisoformat(str(item["date"])), store.settings.timezone
    partitions = dict.fromkeys(utc_days(day, zone) + utc_days(day + timedelta(days=1), zone))
    return [a for d in partitions for a in store.audit.on_day(d)]


@routes.get("/admin/logs", "admin_trip_logs")
@captain_only
async def trip_logs(request: Request) -> Response:
    """The day's trips, each with its log (departed or not)."""
    day, error = day_param(request, "date", today_of(request))
    listed = await run_in_threadpool(store_of(request).events.on_day, day.isoformat())
    trips = [(EventView(item=i, today=today_of(request)), state_of(i).value) for i in listed]
    context = {
        "day": day.isoformat(),
        "previous": (day - timedelta(days=1)).isoformat(),
        "next": (day + timedelta(days=1)).isoformat(),
        "trips": trips,
        "errors": {"date": error} if error else {},
    }
    return render(request, "admin_trip_logs.html", context, status_code=422 if error else 200)
