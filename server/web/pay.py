"""The patron pays the balance online: the pay form's POST creates a Stripe Checkout
Session (the amount is the balance due read now, plus the chosen tip: nothing the form
sends is trusted as an amount) and answers 303 to Stripe's hosted page; Stripe sends
the patron back to /g/{id}/paid. Only the signed webhook (server/web/webhooks.py)
records the payment."""

from __future__ import annotations

import time
import uuid

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.domain.clock import day_label_in, utc_now_iso
from server.domain.forms import FormErrors, text_field
from server.domain.languages import N_, translator
from server.domain.money import ZERO, to_money
from server.domain.online import Charge, parse_tip, payment_id_for, valid_session_id
from server.domain.payments import parse_payment_id
from server.domain.rate_limits import PAYS_PER_IP, ip_key
from server.notify.outbox import Notifier
from server.stripe_checkout import StripeUnavailable, create_session, get_session
from server.web.auth import captain_only
from server.web.client_address import client_ip
from server.web.event_view import EventView, find_event, valid_event_id
from server.web.language import language_of
from server.web.pay_offer import pay_headers, pay_offer
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import sends_after_response, settings_of, store_of
from server.web.waiver_admission import too_many
from server.web.waivers import NO_STORE, trip_context, trip_event

routes = Routes()

# Marked for the catalog (N_): shown in the patron's language (issue 30).
TOO_MANY_PAYS = N_(
    "Many payments were just started from this connection. Nothing was charged; please "
    "try again in a few minutes."
)
STRIPE_DOWN = N_(
    "The payment page could not be opened just now. Nothing was charged; please try "
    "again in a minute."
)
CANCELLED = N_("This trip was cancelled, so there is nothing to pay.")
# The Checkout Session's two lines, as Stripe's page and receipt show them.
BALANCE_LINE = N_("Balance of your trip on %(day)s")
TIP_LINE = N_("Tip for the crew")


def _trip_with_errors(
    request: Request, event: EventView, form: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    context = trip_context(request, event)
    context["pay"] = pay_offer(request, event, form, errors)
    headers = {**pay_headers(request), **NO_STORE}
    return render(request, "trip.html", context, status_code=status, headers=headers)


def _admit(request: Request) -> None:
    """429 once this client IP started too many payments (one conditional write)."""
    now = time.time()
    taken = store_of(request).limits.take([(PAYS_PER_IP, ip_key(client_ip(request)))], now)
    if not taken.admitted:
        raise too_many(TOO_MANY_PAYS, taken.until or now, now)


@routes.post("/g/{event_id}/pay", "pay")
async def pay(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.takes_online_payments:
        raise HTTPException(404)
    form = await request.form()
    event = await run_in_threadpool(trip_event, request)
    if event.cancelled:
        raise HTTPException(410, CANCELLED)
    values = {k: text_field(form, k) for k in ("tip", "tip_custom", "payment_key")}
    book = event.ledger
    language = language_of(request)
    _ = translator(language)
    try:
        key = parse_payment_id(values["payment_key"])
        tip = parse_tip(form, book.total, language)
    except FormErrors as invalid:
        return _trip_with_errors(request, event, values, invalid.errors, 422)
    if book.balance_due <= ZERO:  # paid meanwhile: the trip page says so
        return redirect(request, str(request.app.url_path_for("trip", event_id=event.event_id)))
    await run_in_threadpool(_admit, request)
    charge = Charge(event.event_id, book.balance_due, tip, key)
    base = settings.base_url.rstrip("/")
    trip = f"{base}/g/{event.event_id}"
    try:
        _, url = await run_in_threadpool(
            lambda: create_session(
                settings,
                charge,
                description=_(BALANCE_LINE) % {"day": day_label_in(event.day, language)},
                tip_name=_(TIP_LINE),
                locale=language,  # Stripe's hosted page speaks the patron's language
                success_url=f"{trip}/paid?session_id={{CHECKOUT_SESSION_ID}}",
                cancel_url=trip,
                customer_email=str(event.item.get("booker_email") or "") or None,
            )
        )
    except StripeUnavailable:
        return _trip_with_errors(request, event, values, {"form": _(STRIPE_DOWN)}, 503)
    return RedirectResponse(url, status_code=303)


@routes.get("/g/{event_id}/paid", "paid")
async def paid(request: Request) -> Response:
    """Back from Stripe: "Paid — thank you" once the webhook recorded the payment,
    "recording…" while Stripe says it is paid but the webhook has not arrived."""
    settings = settings_of(request)
    if not settings.takes_online_payments:
        raise HTTPException(404)
    event = await run_in_threadpool(trip_event, request)
    session_id = valid_session_id(request.query_params.get("session_id", ""))
    if session_id is None:
        raise HTTPException(404)
    payment_id = payment_id_for(session_id)
    stored = event.payment(payment_id)
    amount = to_money(stored["amount"]) + to_money(stored.get("tip", 0)) if stored else ZERO
    state = "paid" if stored else ""
    if not stored:
        try:
            session = await run_in_threadpool(get_session, settings, session_id)
        except StripeUnavailable:
            session = {"metadata": {"event_id": event.event_id}, "payment_status": "unknown"}
        if session is None or (session.get("metadata") or {}).get("event_id") != event.event_id:
            raise HTTPException(404)
        states = {"paid": "recording", "unknown": "unknown"}
        state = states.get(str(session.get("payment_status")), "unpaid")
    context = {"event": event, "state": state, "amount": amount, "session_id": session_id}
    return render(request, "paid.html", context, headers=NO_STORE)


@routes.post("/dispatch/events/{event_id}/pay-link", "email_pay_link")
@captain_only
async def email_pay_link(request: Request) -> Response:
    """The captain emails the trip page's pay link to the booker, through the outbox
    (a notice of its own: each press is one email, sent now and retried like any)."""
    if not settings_of(request).takes_online_payments:
        raise HTTPException(404)
    store = store_of(request)
    item = await run_in_threadpool(find_event, store, valid_event_id(request))
    if not item.get("booker_email") or item.get("status") == "cancelled":
        raise HTTPException(409, "This trip has no booker's email to send the link to.")
    ref = str(uuid.uuid4())
    notice_id, now = f"paylink:{ref}", time.time()
    await run_in_threadpool(
        store.outbox.ensure, notice_id, "paylink", str(item["event_id"]), ref, now, utc_now_iso()
    )
    url = request.app.url_path_for("event_detail", event_id=str(item["event_id"]))
    response = redirect(request, f"{url}?paylink=sent")
    if sends_after_response(request):
        notifier: Notifier = request.app.state.notifier
        response.background = BackgroundTask(notifier.after_resend, notice_id)
    return response
