"""The fakes (tests/helpers/fakes.py) held to the real repositories: the same
assertions run against each fake and against the repository on dynalite, so a service
unit-tested on a fake meets the same answers in production."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from server.domain.boats import Boat
from server.store import Store
from server.store.boats import BoatExists
from server.store.float_plans import TripWriteRefused
from tests.helpers.fakes import FakeAudit, FakeBoats, FakeEvents, FakeUsers, FakeWaivers

EVENT_ID = "2026-05-23-smith-whale-am"
OTTER = Boat("otter", "Sea Otter", "DOC 1", 6, 1, "32 ft, white hull", "Moss Landing")
HERON = Boat("heron", "blue Heron", "", 12, 2, "", "")


def event(**extra: Any) -> dict[str, Any]:
    return {"event_id": EVENT_ID, "date": "2026-05-23", "start_time": "09:30", **extra}


def departure(n: int) -> dict[str, Any]:
    return {"departure_id": str(uuid.UUID(int=n)), "expected_back": "2026-05-23T18:30:00Z"}


@pytest.fixture(params=["fake", "dynalite"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_events(kind: str, request: pytest.FixtureRequest) -> Callable[..., Any]:
    def make(*events: dict[str, Any]) -> Any:
        if kind == "fake":
            return FakeEvents(*events)
        store: Store = request.getfixturevalue("store")
        for item in events:
            store.events.create(item)
        return store.events

    return make


@pytest.fixture
def boats(kind: str, request: pytest.FixtureRequest) -> Any:
    return FakeBoats() if kind == "fake" else request.getfixturevalue("store").boats


def test_depart_writes_once_owes_the_float_plan_and_answers_a_replay(
    make_events: Callable[..., Any],
) -> None:
    events = make_events(event())
    item, first = events.depart(EVENT_ID, departure(1))
    assert first and item["departure"]["departure_id"] == str(uuid.UUID(int=1))
    assert item["outbox"] == "owed" and f"float:{uuid.UUID(int=1)}" in item["notices_owed"]
    again, first = events.depart(EVENT_ID, departure(1))
    assert not first and again["departure"] == item["departure"]
    with pytest.raises(TripWriteRefused) as refused:
        events.depart(EVENT_ID, departure(2))
    assert refused.value.item is not None
    assert refused.value.item["departure"]["departure_id"] == str(uuid.UUID(int=1))
    assert events.get(EVENT_ID)["departure"] == item["departure"]


def test_depart_refuses_a_cancelled_or_missing_trip(make_events: Callable[..., Any]) -> None:
    events = make_events(event(status="cancelled"))
    with pytest.raises(TripWriteRefused) as refused:
        events.depart(EVENT_ID, departure(1))
    assert refused.value.item is not None and "departure" not in refused.value.item
    with pytest.raises(TripWriteRefused) as missing:
        events.depart("2026-05-23-nobody", departure(1))
    assert missing.value.item is None
    assert events.get("2026-05-23-nobody") is None


def test_boats_add_get_all_and_save(boats: Any) -> None:
    assert boats.all() == [] and boats.get("otter") is None
    boats.add(OTTER)
    boats.add(HERON)
    assert boats.get("otter") == OTTER
    assert [b.boat_id for b in boats.all()] == ["heron", "otter"]  # by name, any case
    with pytest.raises(BoatExists):
        boats.add(dataclasses.replace(OTTER, name="Other"))
    assert boats.get("otter") == OTTER  # not overwritten
    assert boats.save(dataclasses.replace(OTTER, passengers=4))
    assert boats.get("otter") == dataclasses.replace(OTTER, passengers=4)
    assert boats.get("heron") == HERON
    assert not boats.save(Boat("nope", "N", "", 1, 1, "", ""))
    assert boats.get("nope") is None


def test_users_all_is_by_name(kind: str, request: pytest.FixtureRequest) -> None:
    if kind == "fake":
        users: Any = FakeUsers(
            {"email": "b@x.com", "name": "bea"}, {"email": "a@x.com", "name": "Al"}
        )
    else:
        store: Store = request.getfixturevalue("store")
        store.users.create("b@x.com", "bea", "crew", "h", "2026-05-23T00:00:00Z")
        store.users.create("a@x.com", "Al", "crew", "h", "2026-05-23T00:00:00Z")
        users = store.users
    assert [u["email"] for u in users.all()] == ["a@x.com", "b@x.com"]


def test_waivers_for_event_are_that_trip_s_in_signing_order(
    kind: str, request: pytest.FixtureRequest
) -> None:
    waivers: Any = FakeWaivers() if kind == "fake" else request.getfixturevalue("store").waivers
    for event_id, waiver_id, name, signed_at in (
        (EVENT_ID, "b", "Second", "2026-05-23T16:00:00Z"),
        (EVENT_ID, "a", "Third", "2026-05-23T17:00:00Z"),
        (EVENT_ID, "c", "First", "2026-05-23T15:00:00Z"),
        ("2026-05-23-other", "d", "Elsewhere", "2026-05-23T14:00:00Z"),
    ):
        waivers.create(
            {
                "event_id": event_id,
                "event_date": "2026-05-23",
                "waiver_id": waiver_id,
                "full_name": name,
                "signed_at": signed_at,
            }
        )
    assert [w["full_name"] for w in waivers.for_event(EVENT_ID)] == ["First", "Second", "Third"]
    assert waivers.for_event("2026-05-23-nobody") == []


def test_audit_records_are_read_back_by_day_in_time_order(
    kind: str, request: pytest.FixtureRequest
) -> None:
    audit: Any = FakeAudit() if kind == "fake" else request.getfixturevalue("store").audit
    audit.record("2026-05-23T18:00:00Z", "pat@x.com", "trip.extended", EVENT_ID, "back by 19")
    audit.record("2026-05-23T16:31:00Z", "pat@x.com", "trip.departed", EVENT_ID)
    audit.record("2026-05-24T01:00:00Z", "sam@x.com", "trip.returned", EVENT_ID)
    read = [
        (r["at"], r["user"], r["action"], r["target"], r["detail"])
        for r in audit.on_day("2026-05-23")
    ]
    assert read == [
        ("2026-05-23T16:31:00Z", "pat@x.com", "trip.departed", EVENT_ID, ""),
        ("2026-05-23T18:00:00Z", "pat@x.com", "trip.extended", EVENT_ID, "back by 19"),
    ]
