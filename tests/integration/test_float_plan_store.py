"""The float plan's writes against dynalite: each one conditional UpdateItem that marks
its email owed in the same write; replays answer like the first."""

from __future__ import annotations

import pytest

from server.store import Store
from server.store.float_plans import TripWriteRefused
from tests.conftest import add_event
from tests.helpers.flows import BACK_BY, departure
from tests.helpers.typed import found


def owed(store: Store, event_id: str) -> set[str]:
    item = store.events.get(event_id)
    return set(item.get("notices_owed", set())) if item is not None else set()


def test_a_trip_departs_once_and_a_replay_is_answered_like_the_first(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    plan = departure()
    item, first = store.events.depart(event_id, plan)
    assert first and item["departure"]["area"] == "Outer bay" and item["outbox"] == "owed"
    again, first_again = store.events.depart(event_id, plan)
    assert not first_again and again["departure"] == item["departure"]
    assert owed(store, event_id) == {f"float:{plan['departure_id']}"}


def test_a_second_departure_under_another_id_is_refused(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    store.events.depart(event_id, departure())
    with pytest.raises(TripWriteRefused) as refused:
        store.events.depart(event_id, departure())
    assert refused.value.item is not None and len(owed(store, event_id)) == 1


def test_a_cancelled_or_missing_trip_cannot_depart(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    store.events.set_status(event_id, "cancelled")
    with pytest.raises(TripWriteRefused):
        store.events.depart(event_id, departure())
    with pytest.raises(TripWriteRefused) as missing:
        store.events.depart("2030-01-01-nobody", departure())
    assert missing.value.item is None


def test_running_late_moves_the_return_once_per_tap_and_clears_overdue(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    plan = departure()
    dep = plan["departure_id"]
    store.events.depart(event_id, plan)
    assert store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T20:31:00Z")
    later = "2030-01-01T21:01:00Z"
    item, first = store.events.run_late(event_id, dep, BACK_BY, later, "2030-01-01T20:32:00Z")
    assert first and item["departure"]["expected_back"] == later and "overdue_at" not in item
    item, first = store.events.run_late(event_id, dep, BACK_BY, later, "2030-01-01T20:32:05Z")
    assert not first and item["departure"]["expected_back"] == later
    assert f"late:{dep}:{later}" in owed(store, event_id)
    # The overdue judged on the old time no longer applies; the new time can go overdue.
    assert not store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T21:40:00Z")
    assert store.events.mark_overdue(event_id, dep, later, "2030-01-01T21:40:00Z")


def test_overdue_is_marked_once_per_expected_return(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    plan = departure()
    store.events.depart(event_id, plan)
    dep = plan["departure_id"]
    assert store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T20:31:00Z")
    assert not store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T20:36:00Z")
    assert owed(store, event_id) == {f"float:{dep}", f"overdue:{dep}:{BACK_BY}"}


def test_back_at_the_dock_once_then_no_overdue_and_no_late(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    plan = departure()
    dep = plan["departure_id"]
    store.events.depart(event_id, plan)
    item, first = store.events.mark_back(event_id, dep, "pat@example.com", "2030-01-01T19:50:00Z")
    assert first and item["returned_at"] == "2030-01-01T19:50:00Z"
    again, first = store.events.mark_back(event_id, dep, "cap@example.com", "2030-01-01T19:51:00Z")
    assert not first and again["returned_by"] == "pat@example.com"
    assert not store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T20:31:00Z")
    with pytest.raises(TripWriteRefused):
        store.events.run_late(event_id, dep, BACK_BY, "2030-01-01T20:30:00Z", "x")
    # The back email's ref names the back time (issue 26: a Back after an Undo is news).
    assert owed(store, event_id) == {f"float:{dep}", f"back:{dep}:2030-01-01T19:50:00Z"}


def test_once_its_notices_are_queued_the_owed_marker_goes_and_the_plan_stays(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    plan = departure()
    store.events.depart(event_id, plan)
    store.events.clear_notices(event_id, {f"float:{plan['departure_id']}"})
    item = found(store.events.get(event_id))
    assert "outbox" not in item and "departure" in item
