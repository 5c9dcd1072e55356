"""server/domain/float_plan.py, issue 26 items 1-3: the prefilled return of a trip
leaving late, the refusal of a return already past or within the grace, the undo
window's edges, and who is aboard as the pages show it. Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.domain import float_plan as fp

LA = ZoneInfo("America/Los_Angeles")
TRIP = {"date": "2026-07-04", "start_time": "12:30", "duration_minutes": 90}
START = datetime(2026, 7, 4, 12, 30, tzinfo=LA)


def test_before_or_at_the_start_the_return_is_start_plus_duration() -> None:
    early = datetime(2026, 7, 4, 11, 0, tzinfo=LA)
    assert fp.default_expected_back(TRIP, LA, early) == datetime(2026, 7, 4, 14, 0, tzinfo=LA)
    assert fp.default_expected_back(TRIP, LA, START) == datetime(2026, 7, 4, 14, 0, tzinfo=LA)


def test_leaving_late_the_return_is_now_plus_duration_rounded_up_to_5_minutes() -> None:
    late = datetime(2026, 7, 4, 13, 51, 30, tzinfo=LA)  # the 1:51 pm
    assert fp.default_expected_back(TRIP, LA, late) == datetime(2026, 7, 4, 15, 25, tzinfo=LA)
    on_five = datetime(2026, 7, 4, 14, 0, 0, tzinfo=LA)
    assert fp.default_expected_back(TRIP, LA, on_five) == datetime(2026, 7, 4, 15, 30, tzinfo=LA)


def parse(raw: str, now: datetime, grace: int = 30) -> dict[str, str]:
    _, errors = fp.parse_depart_form(
        {"expected_back": raw, "area": "Bay"}, START, LA, [], now=now, grace_minutes=grace
    )
    return errors


def test_a_return_past_or_within_the_grace_is_refused_and_one_beyond_is_not() -> None:
    now = datetime(2026, 7, 4, 13, 51, tzinfo=LA)
    assert "would be overdue as it leaves" in parse("14:00", now)["expected_back"]
    assert "Give a time after 14:22." in parse("14:21", now)["expected_back"]  # the grace
    assert parse("14:22", now) == {}
    assert parse("13:00", now)["expected_back"].startswith("That return is already past")
    assert parse("13:52", now, grace=0) == {}


def test_undo_is_possible_up_to_10_minutes_after_the_back_time_not_a_second_more() -> None:
    event = {"returned_at": "2026-07-04T20:00:00Z"}
    assert fp.may_undo_back(event, datetime.fromisoformat("2026-07-04T20:10:00+00:00"))
    assert not fp.may_undo_back(event, datetime.fromisoformat("2026-07-04T20:10:01+00:00"))
    assert not fp.may_undo_back({}, datetime.fromisoformat("2026-07-04T20:00:00+00:00"))
    assert fp.undo_back_cutoff(datetime.fromisoformat("2026-07-04T20:10:00+00:00")) == (
        "2026-07-04T20:00:00Z"
    )


def test_aboard_names_guests_and_crew_with_the_master_first_when_recorded() -> None:
    departure = {
        "aboard": [
            {"role": "guest", "name": "Ann"},
            {"role": "guest", "name": "Bo"},
            {"role": "crew", "name": "Pat"},
        ]
    }
    assert fp.aboard_summary(departure) == {"guests": ["Ann", "Bo"], "count": 2, "crew": ["Pat"]}
    departure["crew_aboard"] = [
        {"email": "d@x", "name": "Dee", "role": "deckhand"},
        {"email": "m@x", "name": "Max", "role": "master"},
    ]
    assert fp.aboard_summary(departure)["crew"] == ["Max (master)", "Dee"]
    assert fp.aboard_summary({}) == {"guests": [], "count": 0, "crew": []}
