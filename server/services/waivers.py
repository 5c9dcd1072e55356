"""Sign a waiver (issue 25 section 1): check the trip takes waivers, validate the form,
admit the signer past the flood limits (the per-IP count and the trip's signer cap, each
one conditional write taken before the waiver's), store the waiver once (the same write
owes the signer's copy when this mailbox has none yet), and answer `Signed` or
`Refused`. The same form sent again (a double tap, a retry) is answered as the first
was; a reference another signer already used is refused (409) so the patron signs a
fresh form. A limit taken for a waiver that is not stored after all is given back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from server.domain.clock import utc_iso
from server.domain.forms import FormErrors
from server.domain.languages import Translate, translator
from server.domain.rate_limits import WAIVERS_PER_IP, Limit, Spent, Taken, ip_key
from server.domain.records import EventMap, Waiver, WaiverMap
from server.domain.waiver_rules import WaiverSubmission, same_name, signer_cap, validate_waiver
from server.domain.waiver_signing import (
    COPY_MARKER_DAYS,
    REUSED,
    TOO_MANY_WAIVERS,
    TRIP_FULL,
    WaiverExists,
    closed_refusal,
    copy_marker,
    signers_key,
)
from server.services.results import Refused

MAX_USER_AGENT = 512


class WaiversRepo(Protocol):
    def get(self, event_id: str, waiver_id: str) -> Waiver | None: ...
    def create(self, item: WaiverMap) -> None: ...
    def count_for_event(self, event_id: str) -> int: ...


class LimitsRepo(Protocol):
    def take(self, checks: Sequence[tuple[Limit, str]], now: float) -> Taken: ...
    def give_back(self, spent: Sequence[Spent]) -> None: ...
    def take_place(
        self, key: str, most: int, stored: Callable[[], int], expires_at: int
    ) -> bool: ...
    def give_back_place(self, key: str) -> None: ...
    def mark_once(self, key: str, expires_at: int) -> bool: ...
    def unmark(self, key: str) -> None: ...


@dataclass(frozen=True)
class Repos:
    """The repositories signing uses (the real `Store`'s or the fakes')."""

    waivers: WaiversRepo
    limits: LimitsRepo


@dataclass(frozen=True)
class Signing:
    """What the patron sent, for which trip, from where and when."""

    event: EventMap  # the stored event item
    form: Mapping[str, object]  # the form's fields as sent
    today: date  # in the operator's time zone
    close_days: int  # a past trip takes waivers this many days (SCC_WAIVER_CLOSE_DAYS)
    ip: str
    user_agent: str
    now: float  # epoch seconds
    language: str  # the patron's, for the messages


@dataclass(frozen=True)
class Signed:
    """The waiver is stored. `owed`: this call's write owed the signer's copy (send it
    now where no stream does); False for a replay or a mailbox that has its copy."""

    event_id: str
    waiver_id: str
    owed: bool
    replay: bool = False


def sign_waiver(signing: Signing, repos: Repos) -> Signed | Refused:
    """Store the waiver once, or say why not (nothing stored then)."""
    event = signing.event
    closed = closed_refusal(event, signing.today, signing.close_days)
    if closed:
        return Refused({"form": closed[1]}, closed[0], code="closed")
    _ = translator(signing.language)
    day = date.fromisoformat(str(event["date"]))
    try:
        signed = validate_waiver(signing.form, day, signing.today, _)
    except FormErrors as invalid:
        return Refused(invalid.errors, 422, code="invalid")
    event_id = str(event["event_id"])
    stored = repos.waivers.get(event_id, signed.waiver_id)
    if stored is not None:  # sent again: answered before any limit is spent
        return _replayed(stored, signed, event_id, _)
    admitted = _admit(signing, signed, repos)
    if isinstance(admitted, Refused):
        return admitted
    try:
        repos.waivers.create(waiver_item(signing, signed, admitted.owed))
    except Exception as failed:
        _release(repos, admitted.place, admitted.spent)
        if admitted.owed:  # not sent: the next waiver for this mailbox may send it
            repos.limits.unmark(copy_marker(event_id, signed.email))
        if not isinstance(failed, WaiverExists):
            raise
        # The same reference stored in between (a parallel double tap, or another signer).
        return _replayed(repos.waivers.get(event_id, signed.waiver_id), signed, event_id, _)
    return Signed(event_id, signed.waiver_id, admitted.owed)


def _replayed(
    stored: WaiverMap | None, signed: WaiverSubmission, event_id: str, _: Translate
) -> Signed | Refused:
    """The same signer again: what was stored. Anyone else: sign a fresh form (409)."""
    if stored is None or not same_name(str(stored["full_name"]), signed.full_name):
        return Refused({"form": _(REUSED)}, 409, code="reused")
    return Signed(event_id, signed.waiver_id, False, replay=True)


@dataclass(frozen=True)
class _Admitted:
    owed: bool
    spent: tuple[Spent, ...]
    place: str


def _admit(signing: Signing, signed: WaiverSubmission, repos: Repos) -> _Admitted | Refused:
    """The per-IP count, then the trip's place, then the copy's marker: each one
    conditional write, so parallel signers cannot pass them. 429 when a limit refuses."""
    now, limits, event = signing.now, repos.limits, signing.event
    event_id = str(event["event_id"])
    taken = limits.take([(WAIVERS_PER_IP, ip_key(signing.ip))], now)
    if not taken.admitted:
        wait = max(1, int((taken.until or now) - now))
        return Refused({"form": TOO_MANY_WAIVERS}, 429, code="rate_limited", retry_after=wait)
    cap = signer_cap(int(event.get("capacity") or 0), int(event.get("party_size") or 0))
    place = signers_key(event_id)
    expires = int(now) + COPY_MARKER_DAYS * 86400
    if not limits.take_place(place, cap, lambda: repos.waivers.count_for_event(event_id), expires):
        limits.give_back(taken.spent)
        return Refused({"form": TRIP_FULL}, 429, code="full")
    try:
        owed = limits.mark_once(copy_marker(event_id, signed.email), expires)
    except Exception:
        _release(repos, place, taken.spent)
        raise
    return _Admitted(owed, taken.spent, place)


def _release(repos: Repos, place: str, spent: tuple[Spent, ...]) -> None:
    """Give back the trip's place and the per-IP count of a waiver not stored."""
    repos.limits.give_back_place(place)
    repos.limits.give_back(spent)


def waiver_item(signing: Signing, signed: WaiverSubmission, owed: bool) -> Waiver:
    """The waiver as stored: who signed what (the hashes of the texts shown, in the
    record's `language`, and of their English originals), when and from where."""
    waiver_original, esign_original = signed.originals
    item: Waiver = {
        "event_id": str(signing.event["event_id"]),
        "waiver_id": signed.waiver_id,
        "event_date": str(signing.event["date"]),
        "guest_count": 1 + len(signed.minors),
        "full_name": signed.full_name,
        "date_of_birth": signed.date_of_birth.isoformat(),
        "email": signed.email,
        "phone": signed.phone,
        "emergency_name": signed.emergency_name,
        "emergency_phone": signed.emergency_phone,
        "minors": [
            {"name": m.name, "date_of_birth": m.date_of_birth.isoformat()} for m in signed.minors
        ],
        "agree_terms": True,
        "esign_consent": True,
        "signature_typed": signed.signature,
        "language": signed.language,
        "waiver_version": signed.waiver.original_version,
        "waiver_sha256": signed.waiver.sha256,
        "waiver_original_sha256": waiver_original.sha256,
        "esign_version": signed.esign.original_version,
        "esign_sha256": signed.esign.sha256,
        "esign_original_sha256": esign_original.sha256,
        "signed_at": utc_iso(signing.now),
        "ip": signing.ip,
        "user_agent": signing.user_agent[:MAX_USER_AGENT],
        "checkins": {},
    }
    if owed:
        item["outbox"] = "owed"  # the confirmation email is owed from this same write
    return item
