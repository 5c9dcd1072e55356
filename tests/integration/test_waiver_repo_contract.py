"""The signing service's fakes (FakeWaivers, FakeLimits in tests/helpers/fakes.py) held
to the real waivers and limits repositories: one script runs against each fake and
against dynalite and must give the same answers; then the service itself, run on each,
answers the same and stores the same waiver."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from server.domain.rate_limits import WAIVERS_PER_IP, Limit, bucket_of
from server.domain.waiver_rules import CURRENT_ESIGN, CURRENT_WAIVER
from server.domain.waiver_signing import WaiverExists
from server.services.results import Refused
from server.services.waivers import Repos, Signed, Signing, sign_waiver
from server.store import Store
from tests.helpers.fakes import FakeLimits, FakeWaivers

EVENT_ID = "2026-05-23-smith-whale-am"
NOW = 1_779_000_000.0
TODAY = date(2026, 5, 20)
SMALL = Limit("contract", 3, 15 * 60)


@pytest.fixture(params=["fake", "dynalite"])
def repos(request: pytest.FixtureRequest) -> Repos:
    if request.param == "fake":
        return Repos(FakeWaivers(), FakeLimits())
    store: Store = request.getfixturevalue("store")
    return Repos(store.waivers, store.limits)


def waiver(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": EVENT_ID,
        "waiver_id": str(uuid.UUID(int=n)),
        "event_date": "2026-05-23",
        "guest_count": 2,
        "full_name": "Alice Smith",
        "minors": [{"name": "Tim", "date_of_birth": "2016-02-03"}],
        "checkins": {},
        "agree_terms": True,
        **extra,
    }


def test_a_waiver_is_created_once_and_read_back_as_stored(repos: Repos) -> None:
    waivers = repos.waivers
    assert waivers.get(EVENT_ID, str(uuid.UUID(int=1))) is None
    assert waivers.count_for_event(EVENT_ID) == 0
    waivers.create(waiver(1, outbox="owed"))
    with pytest.raises(WaiverExists):
        waivers.create(waiver(1, full_name="Mallory Jones"))
    waivers.create(waiver(2))
    waivers.create({**waiver(3), "event_id": "2026-05-24-other-am"})
    stored = waivers.get(EVENT_ID, str(uuid.UUID(int=1)))
    assert stored == {
        **waiver(1, outbox="owed"),
        "guest_count": 2,
        "listing": "waiver",
        "trip_key": f"2026-05-23#{EVENT_ID}#{uuid.UUID(int=1)}",
    }
    assert type(stored["guest_count"]).__name__ == "Decimal"
    assert waivers.count_for_event(EVENT_ID) == 2
    assert waivers.count_for_event("2026-05-25-nobody-am") == 0


def test_a_rate_limit_admits_its_most_then_says_when_and_takes_back(repos: Repos) -> None:
    limits = repos.limits
    answers = [limits.take([(SMALL, "ip")], NOW) for _ in range(4)]
    free = (bucket_of(NOW) + SMALL.buckets) * 60
    assert [(t.admitted, t.until) for t in answers] == [
        (True, None),
        (True, None),
        (True, free),  # took the last place: free again then
        (False, free),
    ]
    assert answers[3].spent == ()
    assert limits.take([(SMALL, "other-ip")], NOW).admitted  # keys count apart
    limits.give_back(answers[0].spent)
    assert limits.take([(SMALL, "ip")], NOW).admitted
    assert not limits.take([(SMALL, "ip")], NOW).admitted
    later = limits.take([(SMALL, "ip")], free + 1.0)  # the window has passed
    assert later.admitted and later.until is None


def test_a_refused_limit_gives_back_what_the_others_counted(repos: Repos) -> None:
    limits = repos.limits
    for _ in range(3):
        assert limits.take([(SMALL, "full")], NOW).admitted
    both = limits.take([(WAIVERS_PER_IP, "ip"), (SMALL, "full")], NOW)
    assert not both.admitted
    for _ in range(WAIVERS_PER_IP.most):
        assert limits.take([(WAIVERS_PER_IP, "ip")], NOW).admitted
    assert not limits.take([(WAIVERS_PER_IP, "ip")], NOW).admitted


def test_places_start_from_what_is_stored_and_stop_at_the_most(repos: Repos) -> None:
    limits = repos.limits
    calls: list[int] = []

    def stored() -> int:
        calls.append(1)
        return 2

    assert limits.take_place("trip", 4, stored, 2_000_000_000)
    assert limits.take_place("trip", 4, stored, 2_000_000_000)
    assert not limits.take_place("trip", 4, stored, 2_000_000_000)
    limits.give_back_place("trip")
    assert limits.take_place("trip", 4, stored, 2_000_000_000)
    assert not limits.take_place("full", 2, stored, 2_000_000_000)
    limits.give_back_place("never-taken")  # never below zero
    assert limits.take_place("never-taken", 1, lambda: 0, 2_000_000_000)
    assert not limits.take_place("never-taken", 1, lambda: 0, 2_000_000_000)


def test_a_marker_is_set_once_until_unmarked(repos: Repos) -> None:
    limits = repos.limits
    assert limits.mark_once("copy:a", 2_000_000_000)
    assert not limits.mark_once("copy:a", 2_000_000_000)
    assert limits.mark_once("copy:b", 2_000_000_000)
    limits.unmark("copy:a")
    assert limits.mark_once("copy:a", 2_000_000_000)


def signing(n: int, name: str = "Alice Smith", **event: Any) -> Signing:
    form = {
        "waiver_id": str(uuid.UUID(int=n)),
        "waiver_version": CURRENT_WAIVER,
        "esign_version": CURRENT_ESIGN,
        "language": "en",
        "full_name": name,
        "date_of_birth": "1990-04-21",
        "email": "alice@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": name,
    }
    trip = {"event_id": EVENT_ID, "date": "2026-05-23", "capacity": 1, **event}
    return Signing(trip, form, TODAY, 3, "203.0.113.9", "Safari", NOW, "en")


def test_the_service_answers_the_same_on_the_fakes_and_on_dynalite(repos: Repos) -> None:
    answers = [sign_waiver(signing(n), repos) for n in range(1, 12)]  # capacity 1: 11
    assert answers == [Signed(EVENT_ID, str(uuid.UUID(int=n)), n == 1) for n in range(1, 12)]
    assert sign_waiver(signing(1), repos) == Signed(EVENT_ID, str(uuid.UUID(int=1)), False, True)
    reused = sign_waiver(signing(1, "Mallory Jones"), repos)
    assert isinstance(reused, Refused) and reused.code == "reused"
    full = sign_waiver(signing(12), repos)
    assert isinstance(full, Refused) and full.code == "full"
    assert repos.waivers.count_for_event(EVENT_ID) == 11
    first = repos.waivers.get(EVENT_ID, str(uuid.UUID(int=1)))
    assert first is not None
    assert (first["outbox"], first["guest_count"], first["signed_at"]) == (
        "owed",
        1,
        "2026-05-17T06:40:00Z",
    )
