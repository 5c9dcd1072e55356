"""The Depart service (server/services/depart.py) against the in-memory fakes: every
refusal writes nothing; a departure stores the crew aboard, the master, the orientation
tick, the boat as checked and the list kept ashore, once."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from typing import Any, cast
from zoneinfo import ZoneInfo

from server.domain.boats import Boat
from server.domain.records import Event
from server.services.depart import Departed, DepartForm, depart
from server.services.results import Refused
from tests.helpers.fakes import FakeBoats, FakeEvents, FakeUsers, FakeWaivers, fake_repos

DAY = date(2026, 5, 23)
EVENT_ID = "2026-05-23-smith-whale-am"
ZONE = ZoneInfo("America/Los_Angeles")
OTTER = Boat("otter", "Sea Otter", "DOC 1234567", 2, 2, "32 ft, white hull", "Moss Landing")
CREW = (
    {"email": "pat@example.com", "name": "Pat Skipper"},
    {"email": "sam@example.com", "name": "Sam Deck"},
    {"email": "gone@example.com", "name": "Gone", "disabled": True},
)


def event(**extra: Any) -> dict[str, Any]:
    return {
        "event_id": EVENT_ID,
        "date": DAY.isoformat(),
        "start_time": "09:30",
        "duration_minutes": 120,
        "boat_id": "otter",
        **extra,
    }


def waiver(name: str, waiver_id: str, *minors: str, checked: bool = True) -> dict[str, Any]:
    checkins = {"signer": {"checked_in": checked}}
    checkins.update({f"minor-{i}": {"checked_in": checked} for i in range(len(minors))})
    return {
        "event_id": EVENT_ID,
        "waiver_id": waiver_id,
        "full_name": name,
        "date_of_birth": "1990-04-21",
        "emergency_name": f"{name}'s sister",
        "emergency_phone": "555 987 6543",
        "minors": [{"name": m, "date_of_birth": "2016-01-01"} for m in minors],
        "checkins": checkins,
    }


def form(**changes: Any) -> DepartForm:
    base = DepartForm(
        event_id=EVENT_ID,
        departure_id=str(uuid.UUID(int=7)),
        expected_back="11:30",
        area="Outer bay",
        crew=("pat@example.com", "sam@example.com"),
        master="pat@example.com",
        orientation=True,
        confirm_empty=False,
        by="pat@example.com",
        now="2026-05-23T16:31:00Z",
        today=DAY,
        timezone=ZONE,
        grace_minutes=30,
    )
    return dataclasses.replace(base, **changes)


def setup(*waivers: dict[str, Any], boat: Boat = OTTER, **extra: Any) -> Any:
    events = FakeEvents(event(**extra))
    repos, audit = fake_repos(events, FakeWaivers(*waivers), FakeUsers(*CREW), FakeBoats(boat))
    return events, repos, audit


def test_a_departure_stores_crew_aboard_master_orientation_boat_and_the_list() -> None:
    events, repos, audit = setup(waiver("Alice Smith", "w1", "Tim Smith"))
    answer = depart(form(), repos)
    assert answer == Departed(EVENT_ID, str(uuid.UUID(int=7)), f"float:{uuid.UUID(int=7)}")
    stored = events.items[EVENT_ID]["departure"]
    assert stored["crew_aboard"] == [
        {"email": "pat@example.com", "name": "Pat Skipper", "role": "master"},
        {"email": "sam@example.com", "name": "Sam Deck", "role": "deckhand"},
    ]
    assert stored["orientation"] == {"by": "pat@example.com", "at": "2026-05-23T16:31:00Z"}
    assert stored["boat_checked"] == OTTER.as_item() and stored["boat"] == "Sea Otter"
    assert stored["counts"] == {"guests": 2, "minors": 1, "crew": 2, "persons": 4}
    guests = [p for p in stored["aboard"] if p["role"] == "guest"]
    assert [(g["name"], g["age"], g["emergency_name"]) for g in guests] == [
        ("Alice Smith", 36, "Alice Smith's sister"),
        ("Tim Smith", 10, "Alice Smith's sister"),
    ]
    assert stored["expected_back"] == "2026-05-23T18:30:00Z" and stored["area"] == "Outer bay"
    assert audit.records == [
        (
            "2026-05-23T16:31:00Z",
            "pat@example.com",
            "trip.departed",
            EVENT_ID,
            "back by 2026-05-23T18:30:00Z",
        )
    ]
    replay = depart(form(area="Elsewhere"), repos)
    assert replay == Departed(EVENT_ID, str(uuid.UUID(int=7)), None)
    assert events.items[EVENT_ID]["departure"]["area"] == "Outer bay" and len(audit.records) == 1


def refused(answer: Departed | Refused, events: FakeEvents) -> Refused:
    assert isinstance(answer, Refused), answer
    assert "departure" not in events.items[EVENT_ID]  # nothing written
    return answer


def test_more_guests_than_the_certificate_allows_is_refused_naming_the_limit() -> None:
    events, repos, audit = setup(waiver("Alice Smith", "w1", "Tim Smith", "Ann Smith"))
    answer = refused(depart(form(), repos), events)
    assert answer.status == 422
    assert answer.errors["form"] == (
        "3 guests checked in, but Sea Otter may carry at most 2 passengers. Nothing was saved."
    )
    assert audit.records == []


def test_crew_are_not_counted_as_passengers() -> None:
    events, repos, _ = setup(waiver("Alice Smith", "w1", "Tim Smith"))  # 2 guests, 2 crew
    assert isinstance(depart(form(), repos), Departed)


def test_fewer_crew_than_the_boat_s_minimum_is_refused() -> None:
    events, repos, _ = setup(waiver("Alice Smith", "w1"))
    answer = refused(depart(form(crew=("pat@example.com",)), repos), events)
    assert answer.errors == {"crew": "Sea Otter needs at least 2 crew aboard; 1 is ticked."}


def test_a_disabled_or_unknown_account_is_not_counted_as_crew() -> None:
    events, repos, _ = setup(waiver("Alice Smith", "w1"))
    crew = ("pat@example.com", "gone@example.com", "nobody@example.com")
    answer = refused(depart(form(crew=crew), repos), events)
    assert answer.errors["crew"].startswith("Sea Otter needs at least 2 crew aboard; 1 is")


def test_the_master_must_be_one_of_the_crew_aboard() -> None:
    events, repos, _ = setup(waiver("Alice Smith", "w1"))
    answer = refused(
        depart(form(master="sam@example.com", crew=("pat@example.com",)), repos), events
    )
    assert "Mark the master" in answer.errors["crew"]
    answer = refused(depart(form(master="", crew=()), repos), events)
    assert answer.errors["crew"] == "Tick who is aboard as crew."


def test_without_the_safety_orientation_tick_departure_is_refused() -> None:
    events, repos, _ = setup(waiver("Alice Smith", "w1"))
    answer = refused(depart(form(orientation=False), repos), events)
    assert answer.status == 422
    assert answer.errors == {
        "orientation": "Give the passenger safety orientation before getting under way, "
        "then tick it here."
    }


def test_a_later_edit_of_the_boat_does_not_change_a_departure_s_record() -> None:
    boats = FakeBoats(OTTER)
    events = FakeEvents(event())
    repos, _ = fake_repos(events, FakeWaivers(waiver("A B", "w1")), FakeUsers(*CREW), boats)
    assert isinstance(depart(form(), repos), Departed)
    boats.save(dataclasses.replace(OTTER, passengers=6, description="repainted blue"))
    assert events.items[EVENT_ID]["departure"]["boat_checked"]["passengers"] == 2


def test_a_trip_with_an_old_free_text_boat_departs_without_limits() -> None:
    events = FakeEvents(event(boat_id=None, boat="Old Blue"))
    waivers = FakeWaivers(*(waiver(f"G{i}", f"w{i}") for i in range(8)))
    repos, _ = fake_repos(events, waivers, FakeUsers(*CREW))
    assert isinstance(depart(form(crew=("pat@example.com",)), repos), Departed)
    stored = events.items[EVENT_ID]["departure"]
    assert stored["boat"] == "Old Blue" and stored["boat_checked"] == {"name": "Old Blue"}


def test_state_refusals_are_409_and_a_bad_form_or_no_trip_is_named() -> None:
    events, repos, _ = setup(waiver("A B", "w1"), status="cancelled")
    answer = refused(depart(form(), repos), events)
    assert answer == Refused({"form": "This trip is cancelled; it cannot depart."}, 409)
    other_day = refused(
        depart(form(today=date(2026, 5, 24)), setup(waiver("A B", "w1"))[1]), events
    )
    assert other_day.status == 409 and "not today" in other_day.errors["form"]
    bad_id = depart(form(departure_id="x"), repos)
    assert bad_id == Refused({"form": "The form was incomplete; reload it and try again."}, 422)
    assert depart(form(event_id="2026-05-23-nobody"), repos) == Refused(
        {"form": "There is no such trip."}, 404
    )


def test_nobody_checked_in_asks_for_confirmation_and_field_errors_come_together() -> None:
    events, repos, _ = setup(waiver("A B", "w1", checked=False))
    answer = refused(depart(form(area="", orientation=False), repos), events)
    assert set(answer.errors) == {"confirm_empty", "area", "orientation"}
    assert isinstance(depart(form(confirm_empty=True), repos), Departed)


def test_another_departure_already_stored_is_refused_as_departed() -> None:
    events, repos, _ = setup(waiver("A B", "w1"))
    assert isinstance(depart(form(), repos), Departed)
    answer = depart(form(departure_id=str(uuid.UUID(int=8))), repos)
    assert answer == Refused({"form": "This trip has already departed."}, 409)


def test_the_record_names_the_boat_id_and_a_crew_member_ticked_twice_counts_once() -> None:
    events, repos, _ = setup(waiver("A B", "w1"))
    answer = refused(depart(form(crew=("pat@example.com", "pat@example.com")), repos), events)
    assert answer.errors["crew"] == "Sea Otter needs at least 2 crew aboard; 1 is ticked."
    assert isinstance(depart(form(), repos), Departed)
    stored = events.items[EVENT_ID]["departure"]
    assert stored["boat_id"] == "otter" and stored["crew"] == ["pat@example.com", "sam@example.com"]
    assert stored["departed_by"] == "pat@example.com"


def test_a_trip_closed_between_the_read_and_the_write_is_refused_as_changed() -> None:
    events, repos, audit = setup(waiver("A B", "w1"), renaming_to="2026-05-23-other")
    answer = depart(form(), repos)
    assert answer == Refused(
        {"form": "The trip changed while saving. Nothing was saved; try again."}, 409
    )
    assert audit.records == []
    moved, repos, _ = setup(waiver("A B", "w1"), moved_to="2026-05-23-other")
    assert depart(form(), repos) == Refused({"form": "There is no such trip."}, 404)


def test_a_return_within_the_grace_of_now_is_refused_next_to_the_field() -> None:
    """The service passes now and the grace to the form's rule (issue 26 item 1)."""
    _, repos, _ = setup(waiver("Alice Smith", "w1"))
    soon = form(expected_back="09:45")  # now is 09:31 local: within the 30-minute grace
    refused = depart(soon, repos)
    assert isinstance(refused, Refused) and refused.status == 422
    assert "expected_back" in refused.errors
    assert isinstance(depart(form(expected_back="10:05"), repos), Departed)


class StaleEvents(FakeEvents):
    """The trip as a request read it before the same departure's first write landed."""

    def __init__(self, stale: dict[str, Any], *events: dict[str, Any]) -> None:
        super().__init__(*events)
        self.stale = stale

    def get(self, event_id: str) -> Event | None:
        return cast("Event", dict(self.stale))


def test_a_replay_that_read_the_trip_before_the_first_write_is_answered_like_it() -> None:
    events = StaleEvents(event(), event())
    repos, audit = fake_repos(events, FakeWaivers(waiver("A B", "w1")), FakeUsers(*CREW))
    first = depart(form(), repos)
    assert first == Departed(EVENT_ID, str(uuid.UUID(int=7)), "float:" + str(uuid.UUID(int=7)))
    assert events.items[EVENT_ID]["departure"]["departed_at"] == "2026-05-23T16:31:00Z"
    assert depart(form(), repos) == Departed(EVENT_ID, str(uuid.UUID(int=7)), None)
    assert len(audit.records) == 1


def test_nobody_checked_in_is_asked_in_words() -> None:
    events, repos, _ = setup(waiver("A B", "w1", checked=False))
    answer = refused(depart(form(), repos), events)
    assert answer == Refused({"confirm_empty": "0 guests checked in — depart anyway?"}, 422)
