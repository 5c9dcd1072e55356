"""server/domain/clock.py: how a moment is written down and read back. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from server.domain.clock import (
    as_utc,
    clock_time,
    human_time,
    today_in,
    utc_iso,
    utc_now_iso,
    zone_abbreviation,
)

LA = ZoneInfo("America/Los_Angeles")


def test_a_moment_is_utc_to_the_second_with_a_z() -> None:
    assert utc_iso(0) == "1970-01-01T00:00:00Z"
    assert utc_iso(1_779_555_845.9) == "2026-05-23T17:04:05Z"
    now = utc_now_iso()
    assert len(now) == 20 and now.endswith("Z") and now[:2] == "20"


def test_a_stored_moment_reads_back_as_aware_utc() -> None:
    assert as_utc("2026-11-29T00:57:46Z") == datetime(2026, 11, 29, 0, 57, 46, tzinfo=UTC)
    plus_two = datetime(2026, 11, 29, 2, 57, 46, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus_two) == datetime(2026, 11, 29, 0, 57, 46, tzinfo=UTC)
    assert as_utc(plus_two).tzinfo is UTC
    with pytest.raises(ValueError) as naive:
        as_utc("2026-11-29T00:57:46")
    assert str(naive.value) == "datetime.datetime(2026, 11, 29, 0, 57, 46) has no time zone"


def test_the_clock_reads_am_and_pm_with_twelve_for_noon_and_midnight() -> None:
    now = datetime(2026, 7, 4, 19, 0, tzinfo=UTC)  # noon in LA
    assert human_time("2026-07-04T07:00:00Z", LA, now) == "12:00 am"
    assert human_time("2026-07-04T18:59:00Z", LA, now) == "11:59 am"
    assert human_time("2026-07-04T19:05:00Z", LA, now) == "12:05 pm"
    assert human_time("2026-07-05T06:59:00Z", LA, now) == "11:59 pm"


def test_another_day_and_another_year_are_named() -> None:
    now = datetime(2026, 7, 4, 19, 0, tzinfo=UTC)
    assert human_time("2026-07-05T16:00:00Z", LA, now) == "Sun 5 Jul, 9:00 am"
    assert human_time("2027-01-02T16:00:00Z", LA, now) == "Sat 2 Jan 2027, 8:00 am"
    assert human_time("2026-07-04T19:00:00Z", LA, now, always_day=True) == "Sat 4 Jul, 12:00 pm"
    assert human_time("2026-07-04T19:00:00Z", LA, now, zone=True) == "12:00 pm PDT"


def test_without_now_today_is_the_real_today() -> None:
    moment = datetime.now(UTC)
    assert "," not in human_time(moment, UTC)


def test_a_zone_without_letters_reads_as_utc_plus() -> None:
    at = datetime(2026, 7, 4, tzinfo=UTC)
    assert zone_abbreviation(ZoneInfo("Asia/Dubai"), at) == "UTC+04"
    assert zone_abbreviation(ZoneInfo("America/Noronha"), at) == "UTC-02"
    assert zone_abbreviation(LA, at) == "PDT"
    assert zone_abbreviation(UTC) == "UTC"
    assert zone_abbreviation(LA) in ("PST", "PDT")


class _Unnamed(tzinfo):
    """A zone that gives no name (or a name of its own)."""

    def __init__(self, name: str | None) -> None:
        self.name = name

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str | None:
        return self.name


def test_a_zone_without_a_name_reads_utc_and_a_lettered_name_is_kept() -> None:
    at = datetime(2026, 7, 4, tzinfo=UTC)
    assert zone_abbreviation(_Unnamed(None), at) == "UTC"
    assert zone_abbreviation(_Unnamed("XST"), at) == "XST"


def test_today_is_the_date_in_the_zone_asked_for() -> None:
    # Between them these two zones are on another date than UTC at every hour.
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        zone = ZoneInfo(name)
        assert today_in(zone) == datetime.now(zone).date()


def test_today_is_judged_on_the_operators_calendar_not_utcs() -> None:
    now = datetime(2026, 7, 5, 2, 0, tzinfo=UTC)  # still 4 July, 7 pm, in Los Angeles
    assert human_time("2026-07-05T01:00:00Z", LA, now) == "6:00 pm"


def test_a_start_time_reads_as_the_twelve_hour_clock() -> None:
    assert clock_time("09:30") == "9:30 am"
    assert clock_time("00:05") == "12:05 am"
    assert clock_time("11:59") == "11:59 am"
    assert clock_time("12:00") == "12:00 pm"
    assert clock_time("13:07") == "1:07 pm"
    assert clock_time("23:59:30") == "11:59 pm"


def test_a_start_time_that_is_not_one_is_shown_as_it_is() -> None:
    assert clock_time("noonish") == "noonish"
    assert clock_time("25:00") == "25:00"
    assert clock_time("") == ""
    assert clock_time(None) == ""
    assert clock_time(930) == "930"
