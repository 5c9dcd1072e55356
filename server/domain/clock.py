"""The one module for time: a moment is stored as UTC, ISO-8601, to the second, with a Z
(`utc_iso`) and read back with `as_utc`; people read a time of day as `5:10 pm`
(`clock_label`) and a day as `Sat 28 Nov 2026` or `Saturday 28 November 2026`
(`day_label`, the templates' `day` filter); a time input's value is `17:10`
(`input_time`). Nothing else formats or parses a moment.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, tzinfo
from datetime import time as time_of_day


def utc_iso(moment: float | datetime) -> str:
    """`moment` (seconds since the epoch, or an aware datetime) as `2026-05-23T17:04:05Z`."""
    at = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)
    return as_utc(at).isoformat(timespec="seconds").replace("+00:00", "Z")


def utc_now_iso() -> str:
    """Now, as `utc_iso` writes it."""
    return utc_iso(time.time())


def today_in(timezone: tzinfo) -> date:
    """Today's date in the operator's time zone."""
    return datetime.now(timezone).date()


def as_utc(moment: str | datetime, *, naive_is_utc: bool = False) -> datetime:
    """A stored moment (`2026-11-29T00:57:46Z`, or an aware datetime) as an aware UTC
    datetime; ValueError for what is not one. A moment without a zone is refused, or
    read as UTC with `naive_is_utc` (old records read back leniently)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise ValueError(f"{moment!r} has no time zone")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def human_time(
    moment: str | datetime,
    timezone: tzinfo,
    now: datetime | None = None,
    *,
    always_day: bool = False,
    zone: bool = False,
) -> str:
    """A moment as a person reads it in the operator's zone: `5:10 pm` today, `Sat 28
    Nov, 5:10 pm` on another day (with the year when not this year). `always_day` for
    text read later (emails); `zone` adds the zone's abbreviation (`5:10 pm PST`)."""
    local = as_utc(moment).astimezone(timezone)
    today = (now or datetime.now(UTC)).astimezone(timezone).date()
    clock = clock_label(local)
    if zone:
        clock = f"{clock} {zone_abbreviation(timezone, local)}"
    if local.date() == today and not always_day:
        return clock
    return f"{day_label(local.date(), year=local.year != today.year)}, {clock}"


def clock_label(moment: datetime | time_of_day) -> str:
    """The time of day as people read it: `5:10 pm`, `12:05 am` (in `moment`'s own zone)."""
    hour, minute = moment.hour, moment.minute
    return f"{hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'}"


def day_label(day: date, *, long: bool = False, year: bool = True) -> str:
    """A day as people read it: `Sat 28 Nov 2026`; `long`: `Saturday 28 November 2026`;
    without `year`: `Sat 28 Nov`."""
    text = f"{day:%A} {day.day} {day:%B}" if long else f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def local_moment(text: str, timezone: tzinfo) -> datetime:
    """An `<input type=datetime-local>` value (`2026-05-23T15:30`) as a moment in
    `timezone`; ValueError for anything else."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError(f"{text!r} names its own zone")
    return moment.replace(tzinfo=timezone)


def input_time(moment: datetime) -> str:
    """The value of an `<input type=time>`: `17:10`, 24-hour (in `moment`'s zone)."""
    return f"{moment:%H:%M}"


def clock_time(hhmm: object) -> str:
    """A trip's start time as stored (`09:30`, 24-hour, what `<input type=time>` sends)
    as people read it, in the one format every time is shown in: `9:30 am`. Anything
    that is not such a time (a legacy value) is shown as it is."""
    text = str(hhmm or "")
    try:
        parsed = time_of_day.fromisoformat(text)
    except ValueError:
        return text
    return clock_label(parsed)


def zone_abbreviation(timezone: tzinfo, at: datetime | None = None) -> str:
    """The zone as people name it at `at` (now by default): `PST`, `PDT`, `UTC`; a zone
    without letters (`+03`) reads `UTC+03`."""
    moment = (at or datetime.now(UTC)).astimezone(timezone)
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


# --- the same, in the patron's language (issue 30): Babel's CLDR patterns ------------
# English keeps the formats above (the crew's pages and every English test pin them);
# another language reads its own way, in the operator's zone all the same.
def day_label_in(day: date, language: str, *, long: bool = False, year: bool = True) -> str:
    """`day_label` in `language` (`sábado, 28 de noviembre de 2026`)."""
    if language == "en":
        return day_label(day, long=long, year=year)
    from babel.dates import format_date, format_skeleton

    from server.domain.languages import babel_locale

    locale = babel_locale(language)
    if long and year:
        return format_date(day, "full", locale=locale)  # viernes, 4 de diciembre de 2026
    if long:  # CLDR has no full-weekday skeleton without the year: the weekday, then the day
        weekday = format_date(day, "EEEE", locale=locale)
        return f"{weekday}, {format_skeleton('MMMMd', day, locale=locale)}"
    return format_skeleton("yMMMEd" if year else "MMMEd", day, locale=locale)


def clock_label_in(moment: datetime | time_of_day, language: str) -> str:
    """`clock_label` in `language` (`9:30 a. m.`)."""
    if language == "en":
        return clock_label(moment)
    from babel.dates import format_time

    from server.domain.languages import babel_locale

    bare = time_of_day(moment.hour, moment.minute)
    return format_time(bare, "short", locale=babel_locale(language))


def clock_time_in(hhmm: object, language: str) -> str:
    """`clock_time` in `language`: a trip's stored start time as its readers read it."""
    text = str(hhmm or "")
    try:
        parsed = time_of_day.fromisoformat(text)
    except ValueError:
        return text
    return clock_label_in(parsed, language)


def human_time_in(
    moment: str | datetime,
    timezone: tzinfo,
    language: str,
    *,
    always_day: bool = False,
    zone: bool = False,
) -> str:
    """`human_time` in `language`, in the operator's zone."""
    if language == "en":
        return human_time(moment, timezone, always_day=always_day, zone=zone)
    local = as_utc(moment).astimezone(timezone)
    today = datetime.now(UTC).astimezone(timezone).date()
    clock = clock_label_in(local, language)
    if zone:
        clock = f"{clock} {zone_abbreviation(timezone, local)}"
    if local.date() == today and not always_day:
        return clock
    return f"{day_label_in(local.date(), language, year=local.year != today.year)}, {clock}"


def signed_at_lines(signed_at: str, timezone: tzinfo) -> tuple[str, str]:
    """The signing moment in the operator's zone (with its abbreviation and offset) and
    in UTC, to the second: `2026-11-28 17:10:04 PST (UTC-08:00)`, `2026-11-29 01:10:04 UTC`."""
    utc = as_utc(signed_at)
    local = utc.astimezone(timezone)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    zone = zone_abbreviation(timezone, local)
    return (
        f"{local:%Y-%m-%d %H:%M:%S} {zone} (UTC{offset})",
        f"{utc.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
    )
