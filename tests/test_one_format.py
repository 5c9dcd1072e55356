"""One way to format and parse time and money (issue 25, item 3): `server/domain/clock.py`
and `server/domain/money.py` are the only places that do, and every other module and
template goes through them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.domain import clock
from server.domain.money import money_str

ROOT = Path(__file__).resolve().parent.parent
OWNERS = {"server/domain/clock.py", "server/domain/money.py"}
LA = ZoneInfo("America/Los_Angeles")

# What formatting or parsing a moment or an amount by hand looks like.
BY_HAND = {
    "strftime": re.compile(r"\.strftime\("),
    "a datetime parsed": re.compile(r"(?<!date)\.fromisoformat\("),
    "a UTC text made": re.compile(r"isoformat\(timespec"),
    "a clock format": re.compile(r"%[HIMp]"),
    "two decimals": re.compile(r":,?\.2f\}"),
}


def sources() -> dict[str, str]:
    found = {
        p.relative_to(ROOT).as_posix(): p.read_text()
        for p in (ROOT / "server").rglob("*.py")
        if p.relative_to(ROOT).as_posix() not in OWNERS
    }
    for folder in ("templates", "partials"):
        found |= {f"{folder}/{p.name}": p.read_text() for p in (ROOT / folder).glob("*.html")}
    return found


def test_nothing_but_the_clock_and_money_modules_formats_or_parses_by_hand() -> None:
    files = sources()
    assert len(files) > 60 and "server/web/render.py" in files and "templates/trip.html" in files
    # server/dev/ writes the demo seed's own data, and a docstring may show a format.
    offenders = sorted(
        f"{name}: {what}"
        for name, text in files.items()
        if not name.startswith("server/dev/")
        for what, pattern in BY_HAND.items()
        for line in text.splitlines()
        if pattern.search(line) and not line.lstrip().startswith(("#", '"', "`"))
    )
    assert offenders == []


def test_the_owners_do_use_what_the_scan_looks_for() -> None:
    # So the scan above would catch each shape were it written anywhere else.
    owner_text = (ROOT / "server/domain/clock.py").read_text()
    owner_text += (ROOT / "server/domain/money.py").read_text()
    for what in ("a datetime parsed", "a UTC text made", "a clock format", "two decimals"):
        assert BY_HAND[what].search(owner_text), what


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 5, 23, 0, 5, tzinfo=LA), "12:05 am"),
        (datetime(2026, 5, 23, 12, 0, tzinfo=LA), "12:00 pm"),
        (datetime(2026, 5, 23, 17, 10, tzinfo=LA), "5:10 pm"),
        (time(9, 30), "9:30 am"),
    ],
)
def test_clock_label(moment: datetime | time, text: str) -> None:
    assert clock.clock_label(moment) == text


def test_day_label_in_each_form() -> None:
    day = date(2026, 11, 28)
    assert clock.day_label(day) == "Sat 28 Nov 2026"
    assert clock.day_label(day, year=False) == "Sat 28 Nov"
    assert clock.day_label(day, long=True) == "Saturday 28 November 2026"
    assert clock.day_label(day, long=True, year=False) == "Saturday 28 November"
    assert clock.day_label(date(2026, 3, 1)) == "Sun 1 Mar 2026"  # no leading zero


def test_utc_text_and_back() -> None:
    moment = datetime(2026, 5, 23, 10, 4, 5, 999_000, tzinfo=LA)
    assert clock.utc_iso(moment) == "2026-05-23T17:04:05Z"
    assert clock.utc_iso(moment.timestamp()) == "2026-05-23T17:04:05Z"
    assert clock.as_utc("2026-05-23T17:04:05Z") == datetime(2026, 5, 23, 17, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.as_utc("2026-05-23T17:04:05")
    lenient = clock.as_utc("2026-05-23T17:04:05", naive_is_utc=True)
    assert lenient == datetime(2026, 5, 23, 17, 4, 5, tzinfo=UTC)


def test_input_values() -> None:
    assert clock.input_time(datetime(2026, 5, 23, 7, 5, tzinfo=LA)) == "07:05"
    local = clock.local_moment("2026-05-23T15:30", LA)
    assert local == datetime(2026, 5, 23, 15, 30, tzinfo=LA)
    with pytest.raises(ValueError):
        clock.local_moment("2026-05-23T15:30+02:00", LA)


def test_human_time_says_the_day_with_the_one_day_label() -> None:
    now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    assert clock.human_time("2026-11-28T18:10:00Z", UTC, now) == "6:10 pm"
    assert clock.human_time("2026-11-27T18:10:00Z", UTC, now) == "Fri 27 Nov, 6:10 pm"
    assert clock.human_time("2025-11-27T18:10:00Z", UTC, now) == "Thu 27 Nov 2025, 6:10 pm"


def test_money_str_is_the_two_decimal_text() -> None:
    assert money_str(Decimal("40")) == "40.00"
    assert money_str(Decimal("1200.5")) == "1200.50"
    assert money_str(Decimal("0.005")) == "0.01"  # half a cent rounds up, as to_money does
