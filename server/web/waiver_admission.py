"""Refusals of the patron's waiver pages before the form is shown: the 429 of a flood
limit, and the trip that has every signer it takes online. Storing a signed waiver past
the limits is the service's (server/services/waivers.py)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from server.domain.waiver_rules import signer_cap
from server.domain.waiver_signing import TRIP_FULL
from server.web.event_view import EventView
from server.web.state import store_of


def too_many(message: str, until: float, now: float) -> HTTPException:
    return HTTPException(429, message, headers={"Retry-After": str(max(1, int(until - now)))})


def refuse_if_full(request: Request, event: EventView) -> None:
    """429 once the trip has every signer it takes online: the crew signs the rest."""
    cap = signer_cap(int(event.item.get("capacity") or 0), event.party_size)
    if store_of(request).waivers.count_for_event(event.event_id) >= cap:
        raise HTTPException(429, TRIP_FULL)
