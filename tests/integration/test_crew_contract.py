"""The crew fakes (tests/helpers/crew_fakes.py) held to the real repositories: the same
assertions run against the fake and against server/store/crew.py's `change_crew` (and
UsersRepo's `get`) on dynalite, so server/services/crew.py, unit-tested on the fakes,
meets the same outcomes in production."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from server.domain.crew_roles import CrewChange
from server.store import Store
from tests.helpers.crew_fakes import FakeAccounts, FakeCrewEvents

EVENT_ID = "2026-05-23-smith-whale-am"
MARA = {"email": "mara@x.com", "role": "master", "name": "Mara"}
DAN = {"email": "dan@x.com", "role": "deckhand", "name": "Dan"}


def event(**extra: Any) -> dict[str, Any]:
    return {"event_id": EVENT_ID, "date": "2026-05-23", "start_time": "09:30", **extra}


@pytest.fixture(params=["fake", "dynalite"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_events(kind: str, request: pytest.FixtureRequest) -> Callable[..., Any]:
    def make(*events: dict[str, Any]) -> Any:
        if kind == "fake":
            return FakeCrewEvents(*events)
        store: Store = request.getfixturevalue("store")
        for item in events:
            store.events.create(item)
        return store.events

    return make


class Seen:
    """A change that adds `member` to the crew as read, keeping each event it was given."""

    def __init__(self, member: dict[str, str] | None) -> None:
        self.member = member
        self.events: list[dict[str, Any]] = []

    def __call__(self, item: dict[str, Any]) -> list[dict[str, str]] | None:
        self.events.append(item)
        if self.member is None:
            return None
        return [*item.get("crew_assigned", []), self.member]


def crew_of(events: Any) -> Any:
    stored = events.get(EVENT_ID)
    return stored.get("crew_assigned") if stored is not None else "missing"


def test_a_change_is_saved_from_the_event_as_read_and_answered(
    make_events: Callable[..., Any],
) -> None:
    events = make_events(event())
    first = Seen(MARA)
    outcome, item = events.change_crew(EVENT_ID, first)
    assert outcome is CrewChange.SAVED
    assert item["event_id"] == EVENT_ID and item["crew_assigned"] == [MARA]
    assert [e["event_id"] for e in first.events] == [EVENT_ID]
    assert "crew_assigned" not in first.events[0]
    assert crew_of(events) == [MARA]
    second = Seen(DAN)
    outcome, item = events.change_crew(EVENT_ID, second)
    assert (outcome, item["crew_assigned"]) == (CrewChange.SAVED, [MARA, DAN])
    assert second.events[0]["crew_assigned"] == [MARA]  # the first change as read
    assert crew_of(events) == [MARA, DAN]


def test_a_change_that_changes_nothing_writes_nothing(make_events: Callable[..., Any]) -> None:
    events = make_events(event(crew_assigned=[MARA]))
    outcome, item = events.change_crew(EVENT_ID, Seen(None))
    assert outcome is CrewChange.UNCHANGED and item["crew_assigned"] == [MARA]
    assert events.change_crew(EVENT_ID, Seen(DAN))[0] is CrewChange.SAVED  # still open


def test_a_missing_trip_is_missing_and_the_change_never_asked(
    make_events: Callable[..., Any],
) -> None:
    events, change = make_events(event()), Seen(MARA)
    assert events.change_crew("2026-05-24-nobody-whale", change) == (CrewChange.MISSING, None)
    assert change.events == []


def test_a_departed_trip_is_departed_and_the_change_never_asked(
    make_events: Callable[..., Any],
) -> None:
    events, change = make_events(event(crew_assigned=[MARA])), Seen(DAN)
    departure = {"departure_id": str(uuid.UUID(int=1)), "expected_back": "2026-05-23T18:30:00Z"}
    events.depart(EVENT_ID, departure)
    outcome, item = events.change_crew(EVENT_ID, change)
    assert outcome is CrewChange.DEPARTED and item["departure"] == departure
    assert change.events == [] and crew_of(events) == [MARA]


@pytest.mark.parametrize("closed", ["renaming_to", "renaming_from", "moved_to"])
def test_a_trip_being_renamed_or_moved_is_closed_and_nothing_written(
    make_events: Callable[..., Any], closed: str
) -> None:
    events, change = make_events(event(crew_assigned=[MARA], **{closed: "other"})), Seen(DAN)
    outcome, item = events.change_crew(EVENT_ID, change)
    assert outcome is CrewChange.CLOSED
    assert item[closed] == "other" and item["crew_assigned"] == [MARA]
    assert change.events and crew_of(events) == [MARA]


def test_a_change_landing_between_the_read_and_the_write_is_not_lost(
    make_events: Callable[..., Any],
) -> None:
    events = make_events(event())
    asked: list[list[dict[str, str]]] = []

    def racing(item: dict[str, Any]) -> list[dict[str, str]]:
        asked.append(list(item.get("crew_assigned", [])))
        if len(asked) == 1:  # another captain's change lands now
            assert events.change_crew(EVENT_ID, Seen(MARA))[0] is CrewChange.SAVED
        return [*item.get("crew_assigned", []), DAN]

    outcome, item = events.change_crew(EVENT_ID, racing)
    assert (outcome, item["crew_assigned"]) == (CrewChange.SAVED, [MARA, DAN])
    assert asked == [[], [MARA]]  # asked again with the other change read
    assert crew_of(events) == [MARA, DAN]


def test_a_departure_landing_between_the_read_and_the_write_is_departed(
    make_events: Callable[..., Any],
) -> None:
    events = make_events(event())
    departure = {"departure_id": str(uuid.UUID(int=2)), "expected_back": "2026-05-23T18:30:00Z"}

    def racing(item: dict[str, Any]) -> list[dict[str, str]]:
        events.depart(EVENT_ID, departure)
        return [MARA]

    outcome, item = events.change_crew(EVENT_ID, racing)
    assert outcome is CrewChange.DEPARTED and item["departure"] == departure
    assert crew_of(events) is None


def test_a_crew_that_keeps_changing_under_the_write_is_closed_every_change_kept(
    make_events: Callable[..., Any],
) -> None:
    events = make_events(event())
    others: list[dict[str, str]] = []

    def always_raced(item: dict[str, Any]) -> list[dict[str, str]]:
        other = {"email": f"d{len(others)}@x.com", "role": "deckhand", "name": "D"}
        others.append(other)
        events.change_crew(EVENT_ID, Seen(other))
        return [DAN]

    outcome, item = events.change_crew(EVENT_ID, always_raced)
    assert outcome is CrewChange.CLOSED and len(others) == 5
    assert item["crew_assigned"] == others == crew_of(events)


def test_users_get_answers_an_account_or_none(kind: str, request: pytest.FixtureRequest) -> None:
    if kind == "fake":
        users: Any = FakeAccounts({"email": "mara@x.com", "name": "Mara", "role": "crew"})
    else:
        store: Store = request.getfixturevalue("store")
        store.users.create("mara@x.com", "Mara", "crew", "h", "2026-05-23T00:00:00Z")
        users = store.users
    mara = users.get("mara@x.com")
    assert (mara["email"], mara["name"], mara["role"]) == ("mara@x.com", "Mara", "crew")
    assert not mara.get("disabled")
    for nobody in ("who@x.com", "", "m" * 1100 + "@x.com"):
        assert users.get(nobody) is None
