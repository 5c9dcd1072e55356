"""A captain voids a payment: one conditional append of a void entry (the payment stays
in the history, struck through). The confirmation before it is in `confirm.py`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.clock import utc_now_iso
from server.domain.forms import FormErrors, text_field
from server.domain.payments import (
    MAX_ENTRIES,
    MAX_LEDGER_BYTES,
    Refusal,
    is_void,
    parse_payment_id,
    validate_void_reason,
)
from server.domain.users import User
from server.store.events import AppendRefused
from server.web.audit import audit
from server.web.auth import captain_only
from server.web.event_view import find_event, valid_event_id, view_of
from server.web.render import Kind, json_form_error, redirect, render, response_kind
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()

# Voids may go a little past the ledger's caps, so a full event can still be corrected.
VOID_HEADROOM = 50
NOT_A_PAYMENT = "That entry is a void, not a payment: only a payment can be voided."


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
    # The write refuses a void of any void it records in `void_ids`; one stored before
    # that set was kept is found in the ledger (entries never change: no race).
    stored = await run_in_threadpool(store.events.get, event_id)
    if stored is not None and is_void(stored, target):
        raise HTTPException(404, NOT_A_PAYMENT)
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
        if refused.reason is Refusal.NOT_A_PAYMENT:
            raise HTTPException(404, NOT_A_PAYMENT) from None
        if refused.reason is not Refusal.DUPLICATE:  # a replayed void is already done
            message = {
                Refusal.ALREADY_VOIDED: "That payment was already voided.",
                Refusal.FULL: "This trip holds the most entries one trip can.",
            }.get(refused.reason, "The trip changed while saving. Try again.")
            return await _detail_with_errors(request, event_id, {"form": message}, 409, target)
    else:
        await audit(request, "payment.voided", f"{event_id}/{target}")  # for the audit page
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
