"""The signing service (server/services/waivers.py) against the in-memory fakes: a new
waiver is stored once with what was signed, when and from where; the same form again
is answered as the first was; another signer's reuse of a reference, a full trip, a
flooding connection and a closed trip are refused with nothing stored and every limit
it took given back."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from server.domain.rate_limits import WAIVERS_PER_IP, bucket_of
from server.domain.records import Waiver, WaiverMap
from server.domain.waiver_rules import CURRENT_ESIGN, CURRENT_WAIVER, shown_text, text_of
from server.domain.waiver_signing import (
    CANCELLED,
    OVER,
    RENAMING,
    REUSED,
    TOO_MANY_WAIVERS,
    TRIP_FULL,
    WaiverExists,
    copy_marker,
    signers_key,
)
from server.services.results import Refused
from server.services.waivers import MAX_USER_AGENT, Repos, Signed, Signing, sign_waiver
from tests.helpers.fakes import FakeLimits, FakeWaivers

TODAY = date(2026, 5, 20)
EVENT_ID = "2026-05-23-smith-whale-am"
NOW = 1_779_000_000.0  # 2026-05-17T06:40:00Z
WAIVER_ID = str(uuid.UUID(int=1))
IP = "203.0.113.9"
PLACE = signers_key(EVENT_ID)


def event(**extra: Any) -> dict[str, Any]:
    return {"event_id": EVENT_ID, "date": "2026-05-23", "capacity": 2, **extra}


def form(**extra: str) -> dict[str, str]:
    return {
        "waiver_id": WAIVER_ID,
        "waiver_version": CURRENT_WAIVER,
        "esign_version": CURRENT_ESIGN,
        "language": "en",
        "minor_rows": "1",
        "minor_name_0": "Tim Smith",
        "minor_dob_0": "2016-02-03",
        "full_name": "Alice Smith",
        "date_of_birth": "1990-04-21",
        "email": "alice@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": "Alice Smith",
        **extra,
    }


def signing(**changes: Any) -> Signing:
    base = Signing(
        event=event(),
        form=form(),
        today=TODAY,
        close_days=3,
        ip=IP,
        user_agent="Safari " + "x" * 600,
        now=NOW,
        language="en",
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def waivers() -> FakeWaivers:
    return FakeWaivers()


@pytest.fixture
def limits() -> FakeLimits:
    return FakeLimits()


@pytest.fixture
def repos(waivers: FakeWaivers, limits: FakeLimits) -> Repos:
    return Repos(waivers, limits)


def ip_count(limits: FakeLimits) -> int:
    return sum(limits.counts.get(WAIVERS_PER_IP.item_key(IP), {}).values())


def nothing_taken(waivers: FakeWaivers, limits: FakeLimits) -> None:
    assert waivers.waivers == []
    assert ip_count(limits) == 0
    assert limits.places.get(PLACE, 0) == 0
    assert limits.markers == set()


def test_a_new_waiver_is_stored_once_with_what_was_signed_and_owes_the_copy(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    assert sign_waiver(signing(), repos) == Signed(EVENT_ID, WAIVER_ID, owed=True, replay=False)
    stored = waivers.get(EVENT_ID, WAIVER_ID)
    assert stored is not None
    waiver, esign = shown_text(CURRENT_WAIVER, "en"), shown_text(CURRENT_ESIGN, "en")
    assert {k: v for k, v in stored.items() if k not in ("listing", "trip_key")} == {
        "event_id": EVENT_ID,
        "waiver_id": WAIVER_ID,
        "event_date": "2026-05-23",
        "guest_count": Decimal(2),
        "full_name": "Alice Smith",
        "date_of_birth": "1990-04-21",
        "email": "alice@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "minors": [{"name": "Tim Smith", "date_of_birth": "2016-02-03"}],
        "agree_terms": True,
        "esign_consent": True,
        "signature_typed": "Alice Smith",
        "language": "en",
        "waiver_version": CURRENT_WAIVER,
        "waiver_sha256": waiver.sha256,
        "waiver_original_sha256": text_of(CURRENT_WAIVER).sha256,
        "esign_version": CURRENT_ESIGN,
        "esign_sha256": esign.sha256,
        "esign_original_sha256": text_of(CURRENT_ESIGN).sha256,
        "signed_at": "2026-05-17T06:40:00Z",
        "ip": IP,
        "user_agent": ("Safari " + "x" * 600)[:MAX_USER_AGENT],
        "checkins": {},
        "outbox": "owed",
    }
    assert len(stored["user_agent"]) == MAX_USER_AGENT == 512
    assert ip_count(limits) == 1 and limits.places[PLACE] == 1
    assert limits.markers == {copy_marker(EVENT_ID, "alice@example.com")}


def test_a_second_waiver_from_the_same_mailbox_owes_no_second_copy(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    sign_waiver(signing(), repos)
    other = form(waiver_id=str(uuid.UUID(int=2)), full_name="Al Smith", signature="Al Smith")
    again = signing(form={**other, "email": "Alice@Example.com"})
    assert sign_waiver(again, repos) == Signed(EVENT_ID, str(uuid.UUID(int=2)), owed=False)
    stored = waivers.get(EVENT_ID, str(uuid.UUID(int=2)))
    assert stored is not None and "outbox" not in stored
    assert ip_count(limits) == 2 and limits.places[PLACE] == 2


def test_the_same_form_again_answers_what_was_stored_and_spends_nothing(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    sign_waiver(signing(), repos)
    retry = signing(form=form(full_name="  alice   SMITH "))  # the same signer, respelled
    assert sign_waiver(retry, repos) == Signed(EVENT_ID, WAIVER_ID, owed=False, replay=True)
    assert waivers.creates == 1 and len(waivers.waivers) == 1
    assert ip_count(limits) == 1 and limits.places[PLACE] == 1


def test_another_signer_reusing_a_reference_is_refused_409(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    sign_waiver(signing(), repos)
    reused = signing(form=form(full_name="Mallory Jones", signature="Mallory Jones"))
    assert sign_waiver(reused, repos) == Refused({"form": REUSED}, 409, code="reused")
    spanish = sign_waiver(dataclasses.replace(reused, language="es"), repos)
    assert isinstance(spanish, Refused) and spanish.errors["form"].startswith("Firme de nuevo")
    assert waivers.get(EVENT_ID, WAIVER_ID)["full_name"] == "Alice Smith"  # type: ignore[index]
    assert waivers.creates == 1 and ip_count(limits) == 1 and limits.places[PLACE] == 1


class RacingWaivers(FakeWaivers):
    """A parallel request stores the same reference between the check and the write."""

    def __init__(self, first: dict[str, Any]) -> None:
        super().__init__()
        self.first = first

    def get(self, event_id: str, waiver_id: str) -> Waiver | None:
        if self.creates == 0:
            return None
        return super().get(event_id, waiver_id)

    def create(self, item: WaiverMap) -> None:
        if self.creates == 0:
            super().create({**item, **self.first})
            raise WaiverExists(item["waiver_id"])
        super().create(item)


@pytest.mark.parametrize(
    ("first_name", "answer"),
    [
        ("Alice Smith", Signed(EVENT_ID, WAIVER_ID, owed=False, replay=True)),
        ("Mallory Jones", Refused({"form": REUSED}, 409, code="reused")),
    ],
)
def test_a_reference_stored_in_between_is_a_replay_or_a_409_and_gives_back_the_limits(
    limits: FakeLimits, first_name: str, answer: Signed | Refused
) -> None:
    waivers = RacingWaivers({"full_name": first_name})
    assert sign_waiver(signing(), Repos(waivers, limits)) == answer
    assert ip_count(limits) == 0 and limits.places[PLACE] == 0
    assert limits.markers == set()  # the copy is the first write's to owe


def test_a_full_trip_is_refused_429_and_gives_back_the_ip_count(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    # capacity 2 takes 12 signers online; the place counter starts from those stored.
    waivers.waivers = [{"event_id": EVENT_ID, "waiver_id": f"w{i}"} for i in range(11)]
    assert isinstance(sign_waiver(signing(), repos), Signed)
    assert limits.places[PLACE] == 12
    late = signing(form=form(waiver_id=str(uuid.UUID(int=3)), email="zed@example.com"))
    assert sign_waiver(late, repos) == Refused({"form": TRIP_FULL}, 429, code="full")
    assert waivers.get(EVENT_ID, str(uuid.UUID(int=3))) is None
    assert ip_count(limits) == 1 and limits.places[PLACE] == 12
    assert copy_marker(EVENT_ID, "zed@example.com") not in limits.markers


@pytest.mark.parametrize(
    ("size", "cap"),
    [({"capacity": 0}, 50), ({"capacity": 0, "party_size": 1}, 11), ({"capacity": 3}, 13)],
)
def test_a_trip_takes_its_size_and_ten_more_or_fifty_without_a_size(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits, size: dict[str, int], cap: int
) -> None:
    waivers.waivers = [{"event_id": EVENT_ID, "waiver_id": f"w{i}"} for i in range(cap - 1)]
    assert isinstance(sign_waiver(signing(event=event(**size)), repos), Signed)
    late = signing(event=event(**size), form=form(waiver_id=str(uuid.UUID(int=3))))
    assert sign_waiver(late, repos) == Refused({"form": TRIP_FULL}, 429, code="full")
    assert limits.places[PLACE] == cap


def test_a_flooding_connection_is_refused_429_with_when_to_retry(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    bucket = bucket_of(NOW) - 3
    limits.counts[WAIVERS_PER_IP.item_key(IP)] = {bucket: WAIVERS_PER_IP.most}
    refused = sign_waiver(signing(), repos)
    free = (bucket + WAIVERS_PER_IP.buckets) * 60
    assert refused == Refused(
        {"form": TOO_MANY_WAIVERS}, 429, code="rate_limited", retry_after=int(free - NOW)
    )
    assert waivers.waivers == [] and PLACE not in limits.places and limits.markers == set()
    other = signing(ip="198.51.100.7")  # another connection is not limited
    assert isinstance(sign_waiver(other, repos), Signed)


def test_a_retry_after_is_at_least_one_second(repos: Repos, limits: FakeLimits) -> None:
    bucket = bucket_of(NOW) - WAIVERS_PER_IP.buckets + 1
    limits.counts[WAIVERS_PER_IP.item_key(IP)] = {bucket: WAIVERS_PER_IP.most}
    at = (bucket + WAIVERS_PER_IP.buckets) * 60 - 0.5  # free in half a second
    refused = sign_waiver(signing(now=at), repos)
    assert isinstance(refused, Refused) and refused.retry_after == 1


@pytest.mark.parametrize(
    ("trip", "today", "answer"),
    [
        (event(status="cancelled"), TODAY, (410, CANCELLED)),
        (event(renaming_to="2026-05-24-smith-whale-am"), TODAY, (409, RENAMING)),
        (event(), date(2026, 5, 27), (410, OVER)),
    ],
)
def test_a_closed_trip_is_refused_before_anything_is_read(
    waivers: FakeWaivers,
    limits: FakeLimits,
    trip: dict[str, Any],
    today: date,
    answer: tuple[int, str],
) -> None:
    refused = sign_waiver(signing(event=trip, today=today), Repos(waivers, limits))
    assert refused == Refused({"form": answer[1]}, answer[0], code="closed")
    nothing_taken(waivers, limits)
    assert waivers.creates == 0


def test_a_past_trip_takes_waivers_until_its_last_close_day(repos: Repos) -> None:
    last = date(2026, 5, 23) + timedelta(days=3)
    assert isinstance(sign_waiver(signing(today=last), repos), Signed)


def test_a_bad_form_is_refused_422_per_field_with_nothing_stored(
    repos: Repos, waivers: FakeWaivers, limits: FakeLimits
) -> None:
    refused = sign_waiver(signing(form=form(phone="call me", signature="")), repos)
    assert isinstance(refused, Refused)
    assert (refused.status, refused.code) == (422, "invalid")
    assert set(refused.errors) == {"phone", "signature"}
    spanish = sign_waiver(signing(form=form(phone="call me"), language="es"), repos)
    assert isinstance(spanish, Refused) and spanish.errors["phone"] != refused.errors["phone"]
    nothing_taken(waivers, limits)


class BrokenWaivers(FakeWaivers):
    def create(self, item: WaiverMap) -> None:
        raise RuntimeError("the table is unreachable")


def test_a_write_that_fails_gives_back_the_limits_and_the_copy_marker(
    limits: FakeLimits,
) -> None:
    waivers = BrokenWaivers()
    with pytest.raises(RuntimeError):
        sign_waiver(signing(), Repos(waivers, limits))
    nothing_taken(waivers, limits)


def test_a_failed_write_without_a_copy_owed_keeps_the_first_copys_marker(
    limits: FakeLimits,
) -> None:
    marker = copy_marker(EVENT_ID, "alice@example.com")
    limits.markers.add(marker)  # this mailbox's copy was owed by an earlier waiver
    with pytest.raises(RuntimeError):
        sign_waiver(signing(), Repos(BrokenWaivers(), limits))
    assert limits.markers == {marker}


class BrokenMarkers(FakeLimits):
    def mark_once(self, key: str, expires_at: int) -> bool:
        raise RuntimeError("the limits table is unreachable")


def test_a_marker_that_fails_gives_back_the_place_and_the_ip_count(
    waivers: FakeWaivers,
) -> None:
    limits = BrokenMarkers()
    with pytest.raises(RuntimeError):
        sign_waiver(signing(), Repos(waivers, limits))
    nothing_taken(waivers, limits)


class ExpiryLimits(FakeLimits):
    expiries: list[int]

    def take_place(self, key: str, most: int, stored: Any, expires_at: int) -> bool:
        self.expiries = [expires_at]
        return super().take_place(key, most, stored, expires_at)

    def mark_once(self, key: str, expires_at: int) -> bool:
        self.expiries.append(expires_at)
        return super().mark_once(key, expires_at)


def test_the_place_and_the_copy_marker_expire_after_400_days(waivers: FakeWaivers) -> None:
    limits = ExpiryLimits()
    sign_waiver(signing(now=NOW + 0.9), Repos(waivers, limits))
    assert limits.expiries == [int(NOW) + 400 * 86400] * 2


def test_the_copy_marker_names_the_mailbox_by_a_hash_not_the_address() -> None:
    marker = copy_marker(EVENT_ID, "Pat.Smith+boat@gmail.com")
    assert marker == copy_marker(EVENT_ID, "patsmith@gmail.com")  # one inbox, one copy
    assert marker != copy_marker(EVENT_ID, "pat@example.com")
    assert marker != copy_marker("2026-05-24-other-am", "patsmith@gmail.com")
    prefix, event_id, key = marker.split(":")
    assert (prefix, event_id) == ("waiver-copy", EVENT_ID)
    assert len(key) == 32 and int(key, 16) >= 0 and "gmail" not in marker
    assert signers_key(EVENT_ID) == f"trip-signers:{EVENT_ID}"
