"""Times as people read them: the operator's zone, `5:10 pm` today, the day otherwise,
daylight-saving edges, and the `when` filter's <time datetime> markup."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.clock import human_time, zone_abbreviation
from server.web.templating import make_environment

LA = ZoneInfo("America/Los_Angeles")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_moment_today_is_just_the_clock_and_another_day_names_the_day() -> None:
    moment = "2026-11-29T00:57:46Z"  # Sat 28 Nov, 4:57 pm in Los Angeles (PST, UTC-8)
    assert human_time(moment, LA, now=utc("2026-11-28T20:00:00")) == "4:57 pm"
    assert human_time(moment, LA, now=utc("2026-11-29T09:00:00")) == "Sat 28 Nov, 4:57 pm"
    # The operator's day, not UTC's: 11:59 pm local is still today at 7 am UTC.
    assert human_time("2026-11-29T07:59:00Z", LA, now=utc("2026-11-29T07:00:00")) == "11:59 pm"


def test_noon_midnight_and_another_year() -> None:
    now = utc("2027-01-02T20:00:00")
    assert human_time("2027-01-02T08:00:00Z", LA, now=now) == "12:00 am"
    assert human_time("2027-01-02T20:05:00Z", LA, now=now) == "12:05 pm"
    assert human_time("2026-12-31T20:00:00Z", LA, now=now) == "Thu 31 Dec 2026, 12:00 pm"


def test_emails_always_say_the_day_and_the_zone() -> None:
    now = utc("2026-11-29T01:00:00")
    text = human_time("2026-11-29T00:57:46Z", LA, now=now, always_day=True, zone=True)
    assert text == "Sat 28 Nov, 4:57 pm PST"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Spring forward (8 Mar 2026): 1:59 am PST is followed by 3:00 am PDT.
        ("2026-03-08T09:59:00Z", "Sun 8 Mar, 1:59 am PST"),
        ("2026-03-08T10:00:00Z", "Sun 8 Mar, 3:00 am PDT"),
        # Fall back (1 Nov 2026): 1:30 am happens twice, PDT then PST.
        ("2026-11-01T08:30:00Z", "Sun 1 Nov, 1:30 am PDT"),
        ("2026-11-01T09:30:00Z", "Sun 1 Nov, 1:30 am PST"),
    ],
)
def test_daylight_saving_edges(moment: str, expected: str) -> None:
    now = utc("2026-12-01T00:00:00")
    assert human_time(moment, LA, now=now, zone=True) == expected


def test_zone_names() -> None:
    assert zone_abbreviation(LA, utc("2026-07-04T12:00:00")) == "PDT"
    assert zone_abbreviation(LA, utc("2026-12-04T12:00:00")) == "PST"
    assert zone_abbreviation(ZoneInfo("Europe/Istanbul"), utc("2026-12-04T12:00:00")) == "UTC+03"
    assert zone_abbreviation(UTC) == "UTC"


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        human_time(datetime(2026, 11, 28, 17, 10), LA)


def test_the_when_filter_writes_a_time_element_in_the_operators_zone() -> None:
    env = make_environment()
    template = env.from_string("{{ at | when }}|{{ local | when }}|{{ none | when }}")
    local = datetime(2030, 5, 31, 17, 10, tzinfo=LA)  # reports hold local datetimes
    out = template.render(at="2030-06-01T00:57:46Z", local=local, none=None, timezone=LA)
    first, second, third = out.split("|")
    assert first == '<time datetime="2030-06-01T00:57:46Z">Fri 31 May 2030, 5:57 pm</time>'
    assert second == '<time datetime="2030-06-01T00:10:00Z">Fri 31 May 2030, 5:10 pm</time>'
    assert third == ""
