"""Confirmation pages for the captain's destructive actions: cancel a trip, disable an
account, void a payment. They are what a browser without JavaScript gets from the
button; with JavaScript the same box (partials/_confirm.html) opens as a dialog. Each
names the consequence and posts to the action's own route, which is unchanged."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.users import normalize_email
from server.services.payments import ONLINE_NOT_VOIDED
from server.web.auth import captain_only
from server.web.event_view import EventView, find_event, view_of
from server.web.render import render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()


def _event(request: Request, *, legacy_ok: bool) -> EventView:
    item = find_event(store_of(request), request.path_params["event_id"], legacy_ok=legacy_ok)
    return view_of(request, item)


@routes.get("/admin/events/{event_id}/cancel", "admin_event_cancel")
@captain_only
async def cancel_event(request: Request) -> Response:
    event = await run_in_threadpool(lambda: _event(request, legacy_ok=True))
    if event.cancelled:  # already done: the edit page says so, with Reinstate
        raise HTTPException(409, "This trip is already cancelled.")
    return render(request, "confirm.html", {"kind": "cancel", "event": event})


@routes.get("/admin/crew/confirm-disable", "admin_crew_disable_confirm")
@captain_only
async def disable_account(request: Request) -> Response:
    email = normalize_email(request.query_params.get("email", ""))
    account: dict[str, Any] | None = None
    if email:
        account = await run_in_threadpool(store_of(request).users.get, email)
    if account is None:
        raise HTTPException(404)
    return render(request, "confirm.html", {"kind": "disable", "account": account})


@routes.get("/dispatch/events/{event_id}/payments/{payment_id}/void", "void_payment_confirm")
@captain_only
async def void_payment(request: Request) -> Response:
    event = await run_in_threadpool(lambda: _event(request, legacy_ok=False))
    book = event.ledger
    target = request.path_params["payment_id"]
    payment = next((p for p in book.payments if p.get("payment_id") == target), None)
    if payment is None or target in book.voided_ids:
        raise HTTPException(404, "There is no such payment left to void on this trip.")
    if payment.get("method") == "online":
        raise HTTPException(409, ONLINE_NOT_VOIDED)
    reason = request.query_params.get("reason", "").strip()[:500]
    context = {"kind": "void", "event": event, "payment": payment, "reason": reason}
    return render(request, "confirm.html", context)
