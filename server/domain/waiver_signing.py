"""The rules around storing a patron's signed waiver that are not the form's: when a
trip takes no more waivers, the keys of the trip's signer count and of the
one-copy-per-mailbox marker, and the store's refusal of a reference already used.

Pure domain code: imports neither Starlette nor boto3."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from server.domain.forms import mailbox
from server.domain.languages import N_
from server.domain.records import EventMap

CANCELLED = N_("This trip was cancelled, so its waiver cannot be signed.")
RENAMING = N_("This trip is being updated. Please try again in a minute.")
OVER = N_("This trip is over and its waiver is closed.")
TRIP_FULL = N_(
    "This trip already has all the waivers it can take online. Please ask the crew: "
    "they will sign you in at the dock."
)
TOO_MANY_WAIVERS = N_(
    "Many waivers were just signed from this connection. Nothing was saved. If you are "
    "signing for a whole group, ask the crew to help, or try again in a few minutes."
)
REUSED = N_("Please sign again: this form had already been used.")
# How long the one-copy-per-email marker is kept (the TTL), well past any trip.
COPY_MARKER_DAYS = 400


class WaiverExists(Exception):
    """A waiver with this id is already stored for the event."""


def closed_refusal(event: EventMap, today: date, close_days: int) -> tuple[int, str] | None:
    """(status, message) when the trip takes no more waivers: cancelled (410), being
    renamed (409), or over for more than `close_days` (410); None while it is open."""
    if event.get("status") == "cancelled":
        return 410, CANCELLED
    if "renaming_to" in event:
        return 409, RENAMING
    if date.fromisoformat(str(event["date"])) + timedelta(days=close_days) < today:
        return 410, OVER
    return None


def signers_key(event_id: str) -> str:
    """The limits item counting a trip's signers."""
    return f"trip-signers:{event_id}"


def copy_marker(event_id: str, email: str) -> str:
    """The one-time marker of the signer's copy: one per mailbox, not per spelling
    (pat+1@ and p.a.t@gmail.com reach one inbox), and no address in clear."""
    key = hashlib.sha256(mailbox(email).encode()).hexdigest()[:32]
    return f"waiver-copy:{event_id}:{key}"
