"""The dispatch board's pages: which trips one page shows, and where the next starts.

A page starts on a day (today on the default board) and always shows that whole day;
after it come the next days, whole days only, within BOARD_DAYS days and BOARD_CARDS
cards. The rest is one link away ("Later trips from ..."), so the page costs the same
to read and render however many trips are booked further ahead (issue 18)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby
from typing import TypeVar

from server.domain.records import EventMap

E = TypeVar("E", bound=EventMap)  # an event as read (or a test's hand-built map)

# Today and the next two days: what the crew works from; later days are a link away.
BOARD_DAYS = 3
# Cards after the first day, at most. The first day is shown whole however long it is.
BOARD_CARDS = 30


def day_of(item: EventMap) -> str:
    """The trip's day (YYYY-MM-DD), from the index's sort key."""
    return str(item["starts_at"])[:10]


def board_page(items: list[E], first: date, more: bool) -> tuple[list[E], date | None]:
    """The trips the page starting on `first` shows, and the day the next page starts
    on (None when nothing is left).

    `items` are listed trips in start order: every one up to the end of `first` (the
    default board also reads yesterday's), then some of the following ones; `more` says
    the read stopped before the end, so the last day read may be cut short and is left
    for the next page."""
    end = (first + timedelta(days=BOARD_DAYS)).isoformat()
    head = [item for item in items if day_of(item) <= first.isoformat()]
    shown = list(head)
    groups = [list(g) for _, g in groupby(items[len(head) :], key=day_of)]
    for index, group in enumerate(groups):
        day = day_of(group[0])
        cut_short = more and index == len(groups) - 1
        if day >= end or cut_short or len(shown) - len(head) + len(group) > BOARD_CARDS:
            return shown, date.fromisoformat(day)
        shown += group
    # Nothing was read past the first day (it filled the read): the next page starts after it.
    return shown, first + timedelta(days=1) if more else None


def first_day(text: str, today: date) -> date:
    """The day a page starts on, from its `from` query parameter: a later day as asked,
    else today (no value, not a date, or a day already past)."""
    try:
        asked = date.fromisoformat(text)
    except ValueError:
        return today
    # The last days of year 9999 would overflow the page's date arithmetic.
    return min(max(asked, today), date.max - timedelta(days=BOARD_DAYS + 1))
