"""Moments and days in the patron's language (server/domain/clock.py `human_time_in`,
`day_label_in`, `clock_time_in`): English is exactly the English helpers' text, with
the same options; Spanish names the day unless it is today in the operator's zone, the
year unless it is this year, and the zone of the moment itself (PST in winter, PDT in
summer)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.domain.clock import (
    clock_label_in,
    clock_time_in,
    day_label,
    day_label_in,
    human_time_in,
    local_moment,
)

LA = ZoneInfo("America/Los_Angeles")
WINTER, SUMMER = "2025-01-10T17:30:00Z", "2025-07-10T17:30:00Z"
NNBSP = "\u202f"  # CLDR's narrow no-break space before "a.m."


def test_english_is_the_english_text_with_each_option() -> None:
    assert human_time_in(WINTER, LA, "en") == "Fri 10 Jan 2025, 9:30 am"
    assert human_time_in(WINTER, LA, "en", zone=True) == "Fri 10 Jan 2025, 9:30 am PST"
    now = datetime.now(UTC).replace(microsecond=0)
    today = human_time_in(now, LA, "en", always_day=True)
    assert today.startswith(day_label(now.astimezone(LA).date(), year=False) + ", ")
    assert human_time_in(now, LA, "en") == today.split(", ", 1)[1]


def test_spanish_names_another_day_and_another_year_and_the_moments_own_zone() -> None:
    assert human_time_in(WINTER, LA, "es") == f"vie, 10 de ene de 2025, 9:30{NNBSP}a.m."
    assert human_time_in(WINTER, LA, "es", zone=True).endswith(f"9:30{NNBSP}a.m. PST")
    assert human_time_in(SUMMER, LA, "es", zone=True) == (
        f"jue, 10 de jul de 2025, 10:30{NNBSP}a.m. PDT"
    )


def test_spanish_shows_only_the_clock_today_and_the_day_without_the_year_this_year() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    local = now.astimezone(LA)
    clock = clock_label_in(local, "es")
    assert human_time_in(now, LA, "es") == clock
    assert human_time_in(now, LA, "es", always_day=True) == (
        f"{day_label_in(local.date(), 'es', year=False)}, {clock}"
    )
    other = now - timedelta(days=1) if local.timetuple().tm_yday > 1 else now + timedelta(days=1)
    there = other.astimezone(LA)
    shown = human_time_in(other, LA, "es")
    label = day_label_in(there.date(), "es", year=False)
    assert shown == f"{label}, {clock_label_in(there, 'es')}"
    assert str(local.year) not in shown


def test_today_is_the_operators_day_not_utcs() -> None:
    """A zone whose date is not UTC's right now: the moment now is still "today"."""
    now = datetime.now(UTC).replace(microsecond=0)
    zone = ZoneInfo("Etc/GMT-14" if now.hour >= 10 else "Etc/GMT+12")  # UTC+14 / UTC-12
    assert now.astimezone(zone).date() != now.date()
    assert human_time_in(now, zone, "es") == clock_label_in(now.astimezone(zone), "es")


def test_a_day_label_has_its_year_unless_asked_not_to() -> None:
    day = date(2026, 11, 28)
    assert day_label(day) == "Sat 28 Nov 2026"
    assert day_label_in(day, "en") == "Sat 28 Nov 2026"
    assert day_label_in(day, "en", year=False) == "Sat 28 Nov"
    assert day_label_in(day, "es", year=False) == "sáb, 28 de nov"


def test_a_trip_without_a_start_time_shows_none() -> None:
    assert clock_time_in(None, "es") == ""
    assert clock_time_in("", "en") == ""
    assert clock_time_in("09:30", "es") == f"9:30{NNBSP}a.m."


def test_a_datetime_local_value_naming_its_own_zone_is_refused_saying_so() -> None:
    with pytest.raises(ValueError, match=r"^'2026-05-23T15:30\+02:00' names its own zone$"):
        local_moment("2026-05-23T15:30+02:00", LA)
