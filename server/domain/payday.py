"""The operator's regular payday (SCC_PAYDAY), for California Labor Code §351: a tip
paid by card belongs to the crew and is paid out no later than the next regular payday
following the day the patron authorised it.

Rules: `weekly:fri` (a weekday, mon..sun), `semimonthly:15,last` (two days of the
month, each 1-31 or `last`; a day past the month's end is its last day),
`monthly:last` / `monthly:25`.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("weekly", "semimonthly", "monthly")
LAST = 0  # `last` in a month-day list


@dataclass(frozen=True)
class Payday:
    """A parsed SCC_PAYDAY: `kind`, and the weekday (0 = Monday) or the month days
    (LAST for the month's last day)."""

    kind: str
    days: tuple[int, ...]
    text: str

    def on(self, day: date) -> bool:
        """Whether `day` is a payday."""
        if self.kind == "weekly":
            return day.weekday() == self.days[0]
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day in {last if d == LAST else min(d, last) for d in self.days}

    def next_after(self, day: date) -> date:
        """The first payday strictly after `day`."""
        candidate = day + timedelta(days=1)
        while not self.on(candidate):  # at most 31 steps for every rule
            candidate += timedelta(days=1)
        return candidate


def parse_payday(text: str) -> Payday:
    """Read a rule; raise ValueError saying what a valid one looks like."""
    cleaned = text.strip().lower().replace(" ", "")
    kind, sep, rest = cleaned.partition(":")
    example = "like weekly:fri, semimonthly:15,last or monthly:last"
    if not sep or kind not in KINDS or not rest:
        raise ValueError(f"{text!r} is not a payday rule, {example}")
    if kind == "weekly":
        if rest not in WEEKDAYS:
            raise ValueError(f"weekly: name a weekday ({', '.join(WEEKDAYS)}), not {rest!r}")
        return Payday(kind, (WEEKDAYS.index(rest),), cleaned)
    days = tuple(_month_day(part) for part in rest.split(","))
    wanted = 2 if kind == "semimonthly" else 1
    if len(days) != wanted or len(set(days)) != wanted:
        raise ValueError(f"{kind}: give {wanted} different day(s) of the month, {example}")
    return Payday(kind, days, cleaned)


def _month_day(part: str) -> int:
    if part == "last":
        return LAST
    if not part.isdigit() or not 1 <= int(part) <= 31:
        raise ValueError(f"{part!r} is not a day of the month (1-31 or last)")
    return int(part)
