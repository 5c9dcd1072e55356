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
from tests.helpers.fakes import FakeBoats, FakeEvents, FakeUsers

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
