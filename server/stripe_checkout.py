"""Stripe, through its official library: creating a Checkout Session (the hosted page:
no card data ever reaches the app), reading what a webhook names, and verifying a
webhook's signature. Everything Stripe answers comes back as plain dicts.

SCC_STRIPE_API_BASE points the library at a local stand-in (tests/fake_stripe.py)."""

from __future__ import annotations

from typing import Any

import stripe

from server.domain.online import Charge, cents
from server.settings import STRIPE_CURRENCY, Settings

TIMEOUT_SECONDS = 10
# The app's languages Stripe Checkout's `locale` takes as they are.
STRIPE_LOCALES = ("en", "es")


class StripeUnavailable(Exception):
    """Stripe did not answer, or refused the request (the patron is told to try again)."""


class BadWebhook(Exception):
    """A webhook whose signature (or body) does not check out: 400, nothing stored."""


def _client(settings: Settings) -> stripe.StripeClient:
    if settings.stripe_secret_key is None:
        raise StripeUnavailable("Stripe is not configured")
    api = settings.stripe_api_base.rstrip("/") if settings.stripe_api_base else None
    return stripe.StripeClient(
        str(settings.stripe_secret_key),
        base_addresses={"api": api} if api else {},
        max_network_retries=2,  # the idempotency key makes a retried create safe
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def create_session(
    settings: Settings,
    charge: Charge,
    *,
    description: str,
    tip_name: str,
    locale: str,
    success_url: str,
    cancel_url: str,
    customer_email: str | None,
) -> tuple[str, str]:
    """A Checkout Session for `charge` (id, hosted page URL). The balance and the tip
    (`tip_name`) are two lines, so the patron's receipt shows each; `locale` is the
    patron's language, which Stripe's hosted page then speaks ("auto" when Stripe does
    not know it)."""
    lines: list[dict[str, Any]] = [_line(description, charge.balance)]
    if charge.tip > 0:
        lines.append(_line(tip_name, charge.tip))
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": lines,
        "metadata": charge.metadata,
        "payment_intent_data": {"metadata": charge.metadata},
        "client_reference_id": charge.event_id,
        "locale": locale if locale in STRIPE_LOCALES else "auto",
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_email:
        params["customer_email"] = customer_email
    try:
        session = _client(settings).v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": charge.idempotency_key},
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    return str(session.id), str(session.url)


def _line(name: str, amount: Any) -> dict[str, Any]:
    return {
        "quantity": 1,
        "price_data": {
            "currency": STRIPE_CURRENCY,
            "unit_amount": cents(amount),
            "product_data": {"name": name},
        },
    }


def get_session(settings: Settings, session_id: str) -> dict[str, Any] | None:
    """The Checkout Session, or None when Stripe knows no such session."""
    try:
        found = _client(settings).v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        return None
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    return found.to_dict()


def intent_metadata(settings: Settings, payment_intent_id: str) -> dict[str, str]:
    """The metadata the session gave its PaymentIntent (the trip and the payment key)."""
    try:
        intent = _client(settings).v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    return {str(k): str(v) for k, v in (intent.to_dict().get("metadata") or {}).items()}


def refunds_of(settings: Settings, charge_id: str) -> list[dict[str, Any]]:
    """Every refund of a charge (all pages), as Stripe holds them now."""
    try:
        listed = _client(settings).v1.refunds.list(params={"charge": charge_id, "limit": 100})
        return [r.to_dict() for r in listed.auto_paging_iter()]
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc


def verified_event(settings: Settings, payload: bytes, signature: str) -> dict[str, Any]:
    """The webhook's event, after its signature is checked over the raw body with the
    endpoint secret and the library's default tolerance (replays older are refused)."""
    secret = str(settings.stripe_webhook_secret or "")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError, AttributeError) as exc:
        raise BadWebhook(str(exc)) from exc  # AttributeError: a body that is not an object
    answer: dict[str, Any] = event.to_dict()
    data = answer.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object", {}), dict):
        raise BadWebhook("the event's data is not an object")
    return answer
