"""The trip log's pure rules: crew prefill from the advance assignment, one master,
the list's counts, the boat form and the log's entries."""

from __future__ import annotations

from typing import Any

from server.domain.boats import Boat, boat_label, crew_refusal, parse_boat_form, passenger_refusal
from server.domain.trip_log import (
    crew_aboard,
    list_ashore,
    log_entries,
    master_refusal,
    prefilled_crew,
)

OTTER = Boat("otter", "Sea Otter", "DOC 1", 6, 1, "white hull", "Moss Landing")


def test_crew_prefill_reads_the_assignment_else_who_departs() -> None:
    assert prefilled_crew({}, "pat@x.com") == (["pat@x.com"], "pat@x.com")
    assigned = {
        "crew_assigned": [
            {"email": "sam@x.com", "role": "deckhand"},
            {"email": "lee@x.com", "role": "master"},
        ]
    }
    assert prefilled_crew(assigned, "pat@x.com") == (["sam@x.com", "lee@x.com"], "lee@x.com")
    no_master = {"crew_assigned": [{"email": "sam@x.com", "role": "deckhand"}]}
    assert prefilled_crew(no_master, "pat@x.com") == (["sam@x.com"], "sam@x.com")


def test_crew_aboard_marks_exactly_the_master() -> None:
    aboard = crew_aboard(["a@x.com", "b@x.com"], "b@x.com", {"a@x.com": "Ann"})
    assert aboard == [
        {"email": "a@x.com", "name": "Ann", "role": "deckhand"},
        {"email": "b@x.com", "name": "b@x.com", "role": "master"},
    ]
    assert master_refusal(["a@x.com"], "a@x.com") is None
    assert master_refusal(["a@x.com"], "b@x.com") is not None


def test_the_list_counts_minors_under_18_and_crew_apart() -> None:
    aboard: list[dict[str, Any]] = [
        {"role": "guest", "age": 17},
        {"role": "guest", "age": 18},
        {"role": "guest", "age": None},
        {"role": "crew"},
    ]
    assert list_ashore(aboard) == {"guests": 3, "minors": 1, "crew": 1, "persons": 4}


def test_limits_refuse_one_past_the_number_and_not_at_it() -> None:
    assert passenger_refusal(OTTER, 6) is None
    assert "at most 6 passengers" in (passenger_refusal(OTTER, 7) or "")
    assert crew_refusal(OTTER, 1) is None
    assert crew_refusal(OTTER, 0) == "Sea Otter needs at least 1 crew aboard; 0 are ticked."
    assert boat_label(OTTER) == "Sea Otter (DOC 1)"


def test_the_boat_form_is_checked_field_by_field() -> None:
    boat, errors = parse_boat_form(
        {"name": " Sea Otter ", "passengers": "6", "min_crew": "1", "number": "DOC 1"}, "b1"
    )
    assert errors == {} and boat == Boat("b1", "Sea Otter", "DOC 1", 6, 1, "", "")
    boat, errors = parse_boat_form({"name": "", "passengers": "six", "min_crew": "0"}, "b1")
    assert boat is None and set(errors) == {"name", "passengers", "min_crew"}
    _, errors = parse_boat_form({"name": "x" * 61, "passengers": "151", "min_crew": "1"}, "b")
    assert errors == {
        "name": "Keep this to 60 characters.",
        "passengers": "Give a passenger limit from 1 to 150.",
    }


def test_the_log_lists_the_record_in_time_order() -> None:
    event = {
        "departure": {
            "departed_at": "2026-05-23T16:31:00Z",
            "departed_by": "pat@x.com",
            "orientation": {"by": "pat@x.com", "at": "2026-05-23T16:31:00Z"},
            "extended_at": "2026-05-23T19:00:00Z",
        },
        "overdue_at": "2026-05-23T18:45:00Z",
        "returned_at": "2026-05-23T19:10:00Z",
        "returned_by": "sam@x.com",
    }
    assert [(e.what, e.by) for e in log_entries(event)] == [
        ("Safety orientation given", "pat@x.com"),
        ("Departed", "pat@x.com"),
        ("Marked OVERDUE; shore alerted", ""),
        ("Running late", ""),
        ("Back at the dock", "sam@x.com"),
    ]
    assert log_entries({}) == []


def test_every_running_late_comes_from_the_audit_log_when_it_has_them() -> None:
    event = {
        "event_id": "2026-05-23-a",
        "departure": {"departed_at": "2026-05-23T16:31:00Z", "extended_at": "2026-05-23T19:00:00Z"},
    }
    audits = [
        {
            "at": "2026-05-23T18:00:00Z",
            "user": "pat@x.com",
            "action": "trip.extended",
            "target": "2026-05-23-a",
            "detail": "back by 2026-05-23T19:00:00Z",
        },
        {
            "at": "2026-05-23T19:00:00Z",
            "user": "pat@x.com",
            "action": "trip.extended",
            "target": "2026-05-23-a",
            "detail": "back by 2026-05-23T19:30:00Z",
        },
        {
            "at": "2026-05-23T18:10:00Z",
            "user": "sam@x.com",
            "action": "trip.extended",
            "target": "2026-05-23-other",
            "detail": "back by then",
        },
    ]
    assert [(e.what, e.back) for e in log_entries(event, audits)] == [
        ("Departed", ""),
        ("Running late", "2026-05-23T19:00:00Z"),
        ("Running late", "2026-05-23T19:30:00Z"),
    ]
    damaged = [{**audits[0], "detail": "back by soon"}]
    assert [(e.what, e.back) for e in log_entries(event, damaged)][1] == ("Running late", "")
