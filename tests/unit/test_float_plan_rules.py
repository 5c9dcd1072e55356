"""The float plan's pure rules: who may depart when, what is aboard, overdue timing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from server.domain import float_plan as fp
from server.domain.manifest import Guest

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 7, 4)
TRIP = {
    "event_id": "2026-07-04-bo-whale",
    "date": "2026-07-04",
    "period": "whale",
    "start_time": "13:00",
    "duration_minutes": 150,
    "boat": "Orca",
}
DEPARTED = {
    **TRIP,
    "departure": {
        "departure_id": "d1",
        "expected_back": "2026-07-04T22:30:00Z",
        "departed_by": "pat@example.com",
        "crew": ["sam@example.com"],
    },
}


def test_expected_return_defaults_to_start_plus_duration_in_local_time() -> None:
    assert fp.default_expected_back(TRIP, LA).strftime("%H:%M") == "15:30"
    assert fp.default_area(TRIP) == "Whale trip"


def test_the_form_reads_a_local_time_on_the_trip_day_and_stores_utc() -> None:
    starts = fp.trip_start(TRIP, LA)
    form, errors = fp.parse_depart_form(
        {"expected_back": "15:30", "area": "Outer bay"}, starts, LA, ["b@x", "a@x", "a@x"]
    )
    assert errors == {}
    assert form == fp.DepartForm("2026-07-04T22:30:00Z", "Outer bay", ("a@x", "b@x"))


def test_a_return_time_earlier_than_the_start_is_after_midnight() -> None:
    form, _ = fp.parse_depart_form(
        {"expected_back": "00:30", "area": "Sunset"}, fp.trip_start(TRIP, LA), LA, []
    )
    assert form is not None and form.expected_back == "2026-07-05T07:30:00Z"


def test_the_form_refuses_a_bad_time_and_an_empty_area_field_by_field() -> None:
    starts = fp.trip_start(TRIP, LA)
    form, errors = fp.parse_depart_form({"expected_back": "25:99", "area": " "}, starts, LA, [])
    assert form is None and set(errors) == {"expected_back", "area"}


def test_cancelled_other_day_departed_and_back_trips_are_refused_with_a_reason() -> None:
    assert fp.depart_refusal(TRIP, DAY) is None
    assert "cancelled" in (fp.depart_refusal({**TRIP, "status": "cancelled"}, DAY) or "")
    assert "not today" in (fp.depart_refusal(TRIP, date(2026, 7, 5)) or "")
    assert "already departed" in (fp.depart_refusal(DEPARTED, DAY) or "")
    assert "already back" in (fp.depart_refusal({**DEPARTED, "returned_at": "x"}, DAY) or "")


def test_persons_aboard_are_the_checked_in_guests_with_their_contacts_and_the_crew() -> None:
    guests = [
        Guest("w1", "signer", "Ann Lee", 40, None, True),
        Guest("w1", "minor-0", "Kit Lee", 9, "Ann Lee", True),
        Guest("w2", "signer", "No Show", 30, None, False),
    ]
    waivers = [{"waiver_id": "w1", "emergency_name": "Max Lee", "emergency_phone": "555 0100"}]
    aboard = fp.persons_aboard(guests, waivers, [{"name": "Pat", "email": "pat@x"}])
    assert [p["name"] for p in aboard] == ["Ann Lee", "Kit Lee", "Pat"]
    assert aboard[1]["age"] == 9 and aboard[1]["emergency_phone"] == "555 0100"
    assert aboard[0]["has_emergency_contact"] and aboard[2]["role"] == "crew"
    record = fp.departure_record(
        "d1", fp.DepartForm("t", "bay", ("pat@x",)), TRIP, aboard, "pat@x", "n"
    )
    assert record["boat"] == "Orca" and record["departed_at"] == "n"


def test_a_trip_is_overdue_only_after_the_grace_and_only_once() -> None:
    assert (
        fp.state_of(TRIP) is fp.TripState.NOT_DEPARTED and fp.state_of(DEPARTED) is fp.TripState.OUT
    )
    at = datetime(2026, 7, 4, 22, 59, tzinfo=UTC)
    assert not fp.overdue_due(DEPARTED, at, 30)
    assert fp.overdue_due(DEPARTED, datetime(2026, 7, 4, 23, 1, tzinfo=UTC), 30)
    marked = {**DEPARTED, "overdue_at": "2026-07-04T23:01:00Z"}
    assert fp.state_of(marked) is fp.TripState.OVERDUE and not fp.overdue_due(marked, at, 0)
    back = {**marked, "returned_at": "2026-07-04T23:10:00Z"}
    assert fp.state_of(back) is fp.TripState.BACK and not fp.overdue_due(back, at, 0)


def test_running_late_adds_thirty_minutes_to_the_later_of_expected_and_now() -> None:
    early = datetime(2026, 7, 4, 21, 0, tzinfo=UTC)
    assert fp.extended_back(DEPARTED, early) == "2026-07-04T23:00:00Z"
    late = datetime(2026, 7, 4, 23, 0, tzinfo=UTC)
    assert fp.extended_back(DEPARTED, late) == "2026-07-04T23:30:00Z"


def test_only_the_captain_the_departing_crew_and_crew_aboard_may_mark_it_back() -> None:
    assert fp.may_finish(DEPARTED, "pat@example.com", False)
    assert fp.may_finish(DEPARTED, "sam@example.com", False)
    assert fp.may_finish(DEPARTED, "other@example.com", True)
    assert not fp.may_finish(DEPARTED, "other@example.com", False)


def test_notice_refs_round_trip_and_payment_ids_are_not_mistaken_for_them() -> None:
    ref = fp.notice_ref("overdue", "d1", "2026-07-04T22:30:00Z")
    assert fp.split_ref(ref) == ("overdue", "d1", "2026-07-04T22:30:00Z")
    assert fp.split_ref("0b0f5b3e-8c7a-4bb0-9a55-3f0c2b1f6a11") is None


def test_a_page_shows_overdue_once_the_grace_has_run_out_before_the_sweep_marks_it() -> None:
    assert fp.state_of(DEPARTED, datetime(2026, 7, 4, 22, 59, tzinfo=UTC), 30) is fp.TripState.OUT
    late = datetime(2026, 7, 4, 23, 1, tzinfo=UTC)
    assert fp.state_of(DEPARTED, late, 30) is fp.TripState.OVERDUE
    assert fp.overdue_due(DEPARTED, late, 30)  # the sweep still has to mark it


def test_a_full_return_date_must_fall_after_the_start_and_within_a_week() -> None:
    starts = fp.trip_start(TRIP, LA)

    def back(text: str) -> tuple[fp.DepartForm | None, dict[str, str]]:
        return fp.parse_depart_form({"expected_back": text, "area": "Bay"}, starts, LA, [])

    assert back("2026-07-06T10:00")[0] == fp.DepartForm("2026-07-06T17:00:00Z", "Bay", ())
    for text in ("2026-07-04T12:59", "2026-07-11T13:01", "9999-12-31T23:59", "0001-01-01T00:00"):
        form, errors = back(text)
        assert form is None and "within 7 days" in errors["expected_back"], text
    for text in ("٢٠٢٦-٠٧-٠٤T15:30", "2026-07-04T15:30Z", "2026-02-30T10:00"):
        form, errors = back(text)
        assert form is None and errors["expected_back"] == "Use a time like 15:30.", text


def test_running_late_accepts_only_a_return_the_app_could_have_stored() -> None:
    assert fp.seen_back("2026-07-04T22:30:00Z") == "2026-07-04T22:30:00Z"
    for text in (
        *("soon", "", "2026-07-04T22:30:00", "2026-07-04T22:30Z", "2026-07-04T22:30:00+00:00"),
        *("2026-02-30T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"),
        *("٢٠٢٦-07-04T22:30:00Z", " 2026-07-04T22:30:00Z", "2026-07-04T22:30:00.5Z"),
    ):
        assert fp.seen_back(text) is None, text
