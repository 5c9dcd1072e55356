"""server/domain/float_plan.py: the exact record a departure stores, who is aboard with
which contacts, when a trip starts, and each refusal's words. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from server.domain import float_plan as fp
from server.domain.clock import as_utc, utc_iso
from server.domain.manifest import Guest
from server.domain.records import AboardPerson

LA = ZoneInfo("America/Los_Angeles")
TRIP = {"event_id": "2026-07-04-bo", "date": "2026-07-04", "start_time": "13:45"}
OUT = {
    **TRIP,
    "departure": {
        "departure_id": "d1",
        "expected_back": "2026-07-04T22:30:00Z",
        "departed_by": "pat@x",
        "crew": ["sam@x"],
    },
}


def test_a_trip_starts_at_its_hour_and_minute_in_local_time() -> None:
    assert fp.trip_start(TRIP, LA) == datetime(2026, 7, 4, 13, 45, tzinfo=LA)


def test_a_trip_without_a_start_time_starts_at_midnight() -> None:
    assert fp.trip_start({"date": "2026-07-04"}, LA) == datetime(2026, 7, 4, tzinfo=LA)
    assert fp.trip_start({"date": "2026-07-04", "start_time": ""}, LA) == datetime(
        2026, 7, 4, tzinfo=LA
    )


def test_the_default_return_is_the_duration_after_the_start_or_two_hours() -> None:
    assert fp.default_expected_back({**TRIP, "duration_minutes": 90}, LA) == datetime(
        2026, 7, 4, 15, 15, tzinfo=LA
    )
    assert fp.default_expected_back(TRIP, LA) == datetime(2026, 7, 4, 15, 45, tzinfo=LA)


def test_the_default_area_is_the_trip_kind_or_nothing() -> None:
    assert fp.default_area({"period": "sunset sail"}) == "Sunset sail trip"
    assert fp.default_area({}) == ""
    assert fp.default_area({"period": None}) == ""


def test_the_form_reads_a_full_local_date_and_time() -> None:
    starts = fp.trip_start(TRIP, LA)
    form, errors = fp.parse_depart_form(
        {"expected_back": " 2026-07-05T01:15 ", "area": " Bay "}, starts, LA, ["b@x"]
    )
    assert errors == {}
    assert form == fp.DepartForm("2026-07-05T08:15:00Z", "Bay", ("b@x",))


WINDOW = "Give a return after the trip starts and within 7 days of it, like 15:30."


def test_a_full_date_and_time_before_the_start_is_refused_not_moved_a_day() -> None:
    # issue 24 (float plan): a return before the start is a typing slip, not tomorrow
    starts = fp.trip_start(TRIP, LA)
    form, errors = fp.parse_depart_form(
        {"expected_back": "2026-07-04T12:00", "area": "Bay"}, starts, LA, []
    )
    assert form is None and errors == {"expected_back": WINDOW}
    form, errors = fp.parse_depart_form(
        {"expected_back": "2026-07-04T13:44", "area": ""}, starts, LA, []
    )
    assert form is None
    assert errors == {"expected_back": WINDOW, "area": "Say where the boat is going."}


def test_a_return_is_within_seven_days_of_the_start() -> None:
    starts = fp.trip_start(TRIP, LA)
    for raw, back in [
        ("2026-07-04T13:45", "2026-07-04T20:45:00Z"),  # the start minute itself
        ("2026-07-11T13:45", "2026-07-11T20:45:00Z"),  # exactly 7 days on
    ]:
        form, errors = fp.parse_depart_form({"expected_back": raw, "area": "Bay"}, starts, LA, [])
        assert errors == {} and form is not None and form.expected_back == back, raw
    for raw in ["2026-07-11T13:46", "2027-07-04T14:00", "2026-07-04T13:44"]:
        form, errors = fp.parse_depart_form({"expected_back": raw, "area": "Bay"}, starts, LA, [])
        assert form is None and errors == {"expected_back": WINDOW}, raw
    assert fp.MAX_TRIP_DAYS == 7


def test_a_return_at_the_start_minute_is_the_same_day() -> None:
    starts = fp.trip_start(TRIP, LA)
    form, _ = fp.parse_depart_form({"expected_back": "13:45", "area": "Bay"}, starts, LA, [])
    assert form is not None and form.expected_back == "2026-07-04T20:45:00Z"
    early, _ = fp.parse_depart_form({"expected_back": "13:44", "area": "Bay"}, starts, LA, [])
    assert early is not None and early.expected_back == "2026-07-05T20:44:00Z"


def test_bad_times_and_areas_have_their_exact_messages() -> None:
    starts = fp.trip_start(TRIP, LA)
    for bad in ["", "24:00", "9:30", "2026-02-30T10:00", "2026-07-04 10:00", "15:30x"]:
        form, errors = fp.parse_depart_form({"expected_back": bad, "area": "Bay"}, starts, LA, [])
        assert form is None and errors == {"expected_back": "Use a time like 15:30."}, bad
    form, errors = fp.parse_depart_form({"expected_back": "15:30"}, starts, LA, [])
    assert form is None and errors == {"area": "Say where the boat is going."}
    form, errors = fp.parse_depart_form(
        {"expected_back": "15:30", "area": "a" * 121}, starts, LA, []
    )
    assert form is None and errors == {"area": "Keep this to 120 characters."}
    form, errors = fp.parse_depart_form(
        {"expected_back": "23:59", "area": "a" * 120}, starts, LA, []
    )
    assert errors == {} and form is not None and form.area == "a" * 120


def test_each_refusal_to_depart_has_its_words() -> None:
    today = date(2026, 7, 4)
    assert fp.depart_refusal({**OUT, "status": "cancelled"}, today) == (
        "This trip is cancelled; it cannot depart."
    )
    assert fp.depart_refusal({**OUT, "returned_at": "x"}, today) == (
        "This trip is already back at the dock."
    )
    assert fp.depart_refusal(OUT, today) == "This trip has already departed."
    assert fp.depart_refusal(TRIP, today + timedelta(days=1)) == (
        "This trip is not today; only today's trips can depart."
    )
    assert fp.depart_refusal(TRIP, today) is None


def test_persons_aboard_are_exactly_the_checked_in_guests_then_the_crew() -> None:
    guests = [
        Guest("w1", "signer", "Ann Lee", 40, None, True),
        Guest("w2", "signer", "No Contact", 30, None, True),
        Guest("w3", "signer", "Half Contact", 50, None, True),
        Guest("w4", "signer", "No Show", 20, None, False),
    ]
    waivers = [
        {"waiver_id": "w1", "emergency_name": "Max Lee", "emergency_phone": "555 0100"},
        {"waiver_id": "w3", "emergency_name": "Jo"},
        {"waiver_id": "w4", "emergency_name": "Al", "emergency_phone": "555 0199"},
    ]
    crew = [{"name": "Pat", "email": "pat@x", "role": "captain"}]
    assert fp.persons_aboard(guests, waivers, crew) == [
        {
            "role": "guest",
            "name": "Ann Lee",
            "age": 40,
            "emergency_name": "Max Lee",
            "emergency_phone": "555 0100",
            "has_emergency_contact": True,
        },
        {
            "role": "guest",
            "name": "No Contact",
            "age": 30,
            "emergency_name": "",
            "emergency_phone": "",
            "has_emergency_contact": False,
        },
        {
            "role": "guest",
            "name": "Half Contact",
            "age": 50,
            "emergency_name": "Jo",
            "emergency_phone": "",
            "has_emergency_contact": False,
        },
        {"role": "crew", "name": "Pat", "email": "pat@x"},
    ]


def test_a_contact_with_a_phone_but_no_name_is_not_a_contact() -> None:
    guests = [Guest("w1", "signer", "Ann", 40, None, True)]
    (ann,) = fp.persons_aboard(guests, [{"waiver_id": "w1", "emergency_phone": "555"}], [])
    assert ann["emergency_phone"] == "555" and ann["has_emergency_contact"] is False


def test_the_departure_record_holds_every_field_once() -> None:
    form = fp.DepartForm("2026-07-04T22:30:00Z", "Outer bay", ("a@x", "b@x"))
    aboard: list[AboardPerson] = [{"role": "crew", "name": "A", "email": "a@x"}]
    record = fp.departure_record(
        "d1", form, {**TRIP, "boat": "Orca"}, aboard, "a@x", "2026-07-04T20:00:00Z"
    )
    assert record == {
        "departure_id": "d1",
        "departed_at": "2026-07-04T20:00:00Z",
        "departed_by": "a@x",
        "expected_back": "2026-07-04T22:30:00Z",
        "area": "Outer bay",
        "boat": "Orca",
        "aboard": aboard,
        "crew": ["a@x", "b@x"],
    }
    assert fp.departure_record("d1", form, TRIP, [], "a@x", "n")["boat"] == ""


def test_a_trip_is_overdue_on_a_page_only_past_the_grace() -> None:
    at = datetime(2026, 7, 4, 23, 0, tzinfo=UTC)
    assert fp.state_of(OUT, at, 30) is fp.TripState.OUT  # exactly at the grace's end
    assert fp.state_of(OUT, at + timedelta(seconds=1), 30) is fp.TripState.OVERDUE
    assert fp.state_of(OUT, at) is fp.TripState.OVERDUE  # no grace given
    assert fp.state_of(OUT) is fp.TripState.OUT
    assert not fp.overdue_due(OUT, at, 30) and fp.overdue_due(OUT, at, 29)


def test_trip_states_have_stable_names() -> None:
    assert [s.value for s in fp.TripState] == ["not_departed", "out", "back", "overdue"]


def test_running_late_counts_from_now_in_any_zone_and_by_the_minutes_given() -> None:
    now = datetime(2026, 7, 4, 17, 0, tzinfo=timezone(timedelta(hours=-7)))  # 00:00Z
    assert fp.extended_back(OUT, now) == "2026-07-05T00:30:00Z"
    assert fp.extended_back(OUT, now, minutes=5) == "2026-07-05T00:05:00Z"


def test_a_trip_without_a_departure_may_be_finished_only_by_the_captain() -> None:
    assert fp.may_finish(TRIP, "pat@x", True)
    assert not fp.may_finish(TRIP, "pat@x", False)
    assert not fp.may_finish({**TRIP, "departure": {"departed_by": "pat@x"}}, "sam@x", False)


def test_notice_refs_name_their_kind_and_departure() -> None:
    assert fp.notice_ref("float", "d1") == "float:d1"
    assert fp.notice_ref("late", "d1", "x:y") == "late:d1:x:y"
    assert fp.split_ref("float:d1") == ("float", "d1", "")
    assert fp.split_ref("back:d1:2026-07-04T22:30:00Z") == ("back", "d1", "2026-07-04T22:30:00Z")
    assert fp.split_ref("late:") is None
    assert fp.split_ref("float") is None
    assert fp.split_ref("refund:d1") is None


def test_a_stored_moment_shows_as_a_local_clock() -> None:
    assert fp.local_clock("2026-07-04T22:30:00Z", LA) == "15:30"
    # The one UTC parser and writer (server/domain/clock.py), as the float plan uses them.
    assert as_utc("2026-07-04T22:30:00Z") == datetime(2026, 7, 4, 22, 30, tzinfo=UTC)
    assert utc_iso(datetime(2026, 7, 4, 15, 30, tzinfo=LA)) == "2026-07-04T22:30:00Z"


def test_a_form_without_a_return_time_asks_for_one() -> None:
    form, errors = fp.parse_depart_form({"area": "Bay"}, fp.trip_start(TRIP, LA), LA, [])
    assert form is None and errors == {"expected_back": "Use a time like 15:30."}


def test_a_guest_not_checked_in_is_skipped_not_the_end_of_the_list() -> None:
    guests = [
        Guest("w1", "signer", "No Show", 30, None, False),
        Guest("w2", "signer", "Ann", 40, None, True),
    ]
    assert [p["name"] for p in fp.persons_aboard(guests, [], [])] == ["Ann"]


def test_a_page_without_a_grace_is_overdue_the_moment_after_the_return() -> None:
    assert fp.state_of(OUT, datetime(2026, 7, 4, 22, 30, 30, tzinfo=UTC)) is fp.TripState.OVERDUE


def test_a_seen_return_is_one_this_app_could_have_stored() -> None:
    assert fp.seen_back("2026-05-23T17:04:05Z") == "2026-05-23T17:04:05Z"
    assert fp.seen_back("1970-01-01T00:00:00Z") == "1970-01-01T00:00:00Z"
    assert fp.seen_back("9000-12-31T23:59:59Z") == "9000-12-31T23:59:59Z"
    for odd in [
        "1969-12-31T23:59:59Z",  # before the epoch
        "9001-01-01T00:00:00Z",  # no room left to add to
        "2026-02-30T10:00:00Z",  # no such day
        "2026-05-23T25:00:00Z",  # no such hour
        "2026-05-23T17:04Z",  # not the stored shape
        "2026-05-23T17:04:05+00:00",
        "2026-05-23T17:04:05Zx",
        " 2026-05-23T17:04:05Z",
        "",
    ]:
        assert fp.seen_back(odd) is None, odd
