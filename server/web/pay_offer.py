"""What the patron's pages offer to pay online: the balance due and the tip presets,
when Stripe is configured and the trip has a balance to pay (partials/_pay.html)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from server.domain.money import ZERO
from server.domain.online import tip_presets
from server.web.event_view import EventView
from server.web.security import policy_with_form_action
from server.web.state import settings_of

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def pay_offer(
    request: Request,
    event: EventView,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The pay form's context, or None: no Stripe, a cancelled trip, or nothing priced.
    `paid_in_full` (and no form) once the balance is paid."""
    if not settings_of(request).takes_online_payments or event.cancelled:
        return None
    book = event.ledger
    if book.total <= ZERO:
        return None
    return {
        "balance": book.balance_due,
        "paid_in_full": book.balance_due <= ZERO,
        "presets": tip_presets(book.total),
        "payment_key": (values or {}).get("payment_key") or str(uuid.uuid4()),
        "values": values or {},
        "errors": errors or {},
    }


def pay_headers(request: Request) -> dict[str, str]:
    """The page's headers when it may show the pay form: its 303 goes to Stripe."""
    settings = settings_of(request)
    if not settings.takes_online_payments:
        return {}
    origins = [STRIPE_CHECKOUT_ORIGIN]
    if settings.stripe_api_base:  # the local stand-in serves its checkout page itself
        parts = urlsplit(settings.stripe_api_base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return {"Content-Security-Policy": policy_with_form_action(*origins)}
