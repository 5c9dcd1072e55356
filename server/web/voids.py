"""A captain voids a payment: one conditional append of a void entry (the payment stays
in the history, struck through). The confirmation before it is in `confirm.py`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.clock import utc_now_iso
from server.services import payments
from server.services.results import Refused
from server.web.auth import captain_only
from server.web.event_view import find_event, valid_event_id, view_of
from server.web.render import Kind, json_form_error, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()


# The confirmation page posts to its own address, so a refusal without JavaScript stays
# on a page URL; the JSON API (and the offline-era clients) post to /api/.
@routes.post("/dispatch/events/{event_id}/payments/{payment_id}/void", "void_payment_page")
@routes.post("/api/events/{event_id}/payments/{payment_id}/void", "void_payment")
@captain_only
async def void_payment(request: Request) -> Response:
    event_id = valid_event_id(request)
    target = str(request.path_params["payment_id"])
    form = await request.form()
    store = store_of(request)
    outcome = await run_in_threadpool(
        payments.void_payment,
        store.events,
        store.audit,
        event_id,
        target,
        form,
        request.state.user,
        utc_now_iso(),
    )
    if isinstance(outcome, Refused):
        if outcome.status == 404:
            raise HTTPException(404, outcome.errors.get("form"))
        return await _detail_with_errors(request, event_id, outcome.errors, outcome.status, target)
    url = request.app.url_path_for("event_detail", event_id=event_id)
    if response_kind(request) is Kind.JSON:
        return JSONResponse({"voided": target}, status_code=201)
    # Back to the payment just voided, with a notice beside it (not the top of the page).
    return redirect(request, f"{url}?voided={target}#payment-{target}")


async def _detail_with_errors(
    request: Request, event_id: str, errors: dict[str, str], status_code: int, target: str
) -> Response:
    if response_kind(request) is Kind.JSON:
        return json_form_error(errors, status_code)
    item = await run_in_threadpool(find_event, store_of(request), event_id)
    view = view_of(request, item)
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
