"""Admitting a patron's waiver past the flood limits, before and around its write: the
per-IP count and the trip's place are each one conditional write taken before the
waiver's, and given back if the waiver is not stored after all."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from server.domain.forms import mailbox
from server.domain.languages import N_
from server.domain.rate_limits import WAIVERS_PER_IP, ip_key
from server.domain.waiver_rules import WaiverSubmission, signer_cap
from server.store import Store
from server.store.limits import Spent
from server.store.waivers import WaiverExists
from server.web.client_address import client_ip
from server.web.event_view import EventView
from server.web.state import store_of

TRIP_FULL = N_(
    "This trip already has all the waivers it can take online. Please ask the crew: "
    "they will sign you in at the dock."
)
TOO_MANY_WAIVERS = N_(
    "Many waivers were just signed from this connection. Nothing was saved. If you are "
    "signing for a whole group, ask the crew to help, or try again in a few minutes."
)
# How long the one-copy-per-email marker is kept (the TTL), well past any trip.
COPY_MARKER_DAYS = 400


def too_many(message: str, until: float, now: float) -> HTTPException:
    return HTTPException(429, message, headers={"Retry-After": str(max(1, int(until - now)))})


def refuse_if_full(request: Request, event: EventView) -> None:
    """429 once the trip has every signer it takes online: the crew signs the rest."""
    cap = signer_cap(int(event.item.get("capacity") or 0), event.party_size)
    if store_of(request).waivers.count_for_event(event.event_id) >= cap:
        raise HTTPException(429, TRIP_FULL)


@dataclass(frozen=True)
class Admitted:
    """A waiver admitted by the flood limits: whether its signer's copy is owed, and
    what it took (given back if the waiver is not stored after all)."""

    send_copy: bool
    spent: tuple[Spent, ...]
    place: str


def _admit(request: Request, event: EventView, signed: WaiverSubmission) -> Admitted:
    """Apply the flood limits before a new waiver is stored: 429 when this IP has stored
    too many waivers lately or the trip has all the signers it takes online. Each is one
    conditional write taken before the waiver's, so parallel signers cannot pass them."""
    store = store_of(request)
    now = time.time()
    taken = store.limits.take([(WAIVERS_PER_IP, ip_key(client_ip(request)))], now)
    if not taken.admitted:
        raise too_many(TOO_MANY_WAIVERS, taken.until or now, now)
    cap = signer_cap(int(event.item.get("capacity") or 0), event.party_size)
    place = _signers_key(event.event_id)
    expires = int(now) + COPY_MARKER_DAYS * 86400
    counted = functools.partial(store.waivers.count_for_event, event.event_id)
    if not store.limits.take_place(place, cap, counted, expires):
        store.limits.give_back(taken.spent)
        raise HTTPException(429, TRIP_FULL)
    try:
        send_copy = store.limits.mark_once(_copy_marker(event.event_id, signed.email), expires)
    except Exception:
        _release(store, place, taken.spent)
        raise
    return Admitted(send_copy, taken.spent, place)


def _release(store: Store, place: str, spent: tuple[Spent, ...]) -> None:
    """Give back the trip's place and the per-IP count of a waiver not stored."""
    store.limits.give_back_place(place)
    store.limits.give_back(spent)


def _signers_key(event_id: str) -> str:
    return f"trip-signers:{event_id}"


def _copy_marker(event_id: str, email: str) -> str:
    # One copy per mailbox, not per spelling: pat+1@ and p.a.t@gmail.com reach one inbox.
    key = hashlib.sha256(mailbox(email).encode()).hexdigest()[:32]
    return f"waiver-copy:{event_id}:{key}"


def store_waiver(
    request: Request,
    event: EventView,
    signed: WaiverSubmission,
    make_item: Callable[[bool], dict[str, Any]],
) -> bool:
    """Admit and store a new waiver; True when its signer's copy is owed. A form sent
    again (a double tap, a retry) raises WaiverExists before any limit is spent; a write
    that fails gives back what the limits took."""
    store = store_of(request)
    if store.waivers.get(event.event_id, signed.waiver_id) is not None:
        raise WaiverExists(signed.waiver_id)
    admitted = _admit(request, event, signed)
    try:
        store.waivers.create(make_item(admitted.send_copy))
    except Exception:
        _release(store, admitted.place, admitted.spent)
        if admitted.send_copy:  # not sent: the next waiver for this email may send it
            store.limits.unmark(_copy_marker(event.event_id, signed.email))
        raise
    return admitted.send_copy
