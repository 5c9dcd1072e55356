"""Stripe's webhook, the only path that records an online payment or refund: the
signature is checked over the raw body (400 and nothing stored when it fails), no
session or CSRF token (csrf.EXEMPT), and the answer is quick: one conditional write,
the operator's email after the response as for any payment."""

from __future__ import annotations

import functools
import logging

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.domain.clock import utc_now_iso
from server.notify.outbox import Notifier
from server.services.online_payments import record_event
from server.services.results import Refused
from server.stripe_checkout import (
    BadWebhook,
    StripeUnavailable,
    intent_metadata,
    refunds_of,
    verified_event,
)
from server.web.routing import Routes
from server.web.state import sends_after_response, settings_of, store_of

log = logging.getLogger(__name__)
routes = Routes()

# Stripe's events are a few kilobytes; anything far larger is not one.
MAX_BODY = 256 * 1024


@routes.post("/webhooks/stripe", "stripe_webhook")
async def stripe_webhook(request: Request) -> Response:
    settings = settings_of(request)
    if not settings.takes_online_payments:
        raise HTTPException(404)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "too large"}, status_code=400)
    try:
        event = verified_event(settings, body, request.headers.get("stripe-signature", ""))
    except BadWebhook as bad:
        log.warning("stripe webhook refused: %s", bad)
        return JSONResponse({"error": "bad signature or body"}, status_code=400)
    store = store_of(request)
    try:
        outcome = await run_in_threadpool(
            record_event,
            store.events,
            event,
            utc_now_iso(),
            intent_metadata=functools.partial(intent_metadata, settings),
            refunds_of=functools.partial(refunds_of, settings),
        )
    except StripeUnavailable:
        return JSONResponse({"error": "Stripe could not be reached; retry"}, status_code=503)
    if isinstance(outcome, Refused):
        return JSONResponse({"recorded": False, **outcome.errors}, status_code=outcome.status)
    response = JSONResponse({"received": True, "recorded": outcome.payment_ids})
    if outcome.item is not None and outcome.payment_ids and sends_after_response(request):
        # As after a crew payment; on Lambda the owed mark starts the stream's send.
        notifier: Notifier = request.app.state.notifier
        response.background = BackgroundTask(
            notifier.after_payment, outcome.item, outcome.payment_ids[0]
        )
    return response
