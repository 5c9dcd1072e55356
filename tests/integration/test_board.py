"""The dispatch board's pages by day (issue 18): today whole, then whole days within
BOARD_DAYS and BOARD_CARDS, the rest behind a real "Later trips" link."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.domain.board import BOARD_CARDS, BOARD_DAYS, board_page, first_day
from server.domain.clock import today_in
from server.store import Store
from tests.conftest import add_event, sign_in
from tests.helpers.flows import pay

DAY = date(2026, 7, 1)


def trips(*days: int) -> list[dict[str, Any]]:
    """Index items, one per entry: its day as days after DAY."""
    return [
        {"starts_at": f"{(DAY + timedelta(days=d)).isoformat()}T09:{i:02d}"}
        for i, d in enumerate(days)
    ]


def days_of(items: list[dict[str, Any]]) -> list[int]:
    return [(date.fromisoformat(i["starts_at"][:10]) - DAY).days for i in items]


@pytest.mark.parametrize(
    ("read", "more", "shown", "next_day"),
    [
        # Everything within the window, nothing more: all of it, no link.
        ([-1, 0, 1, 2], False, [-1, 0, 1, 2], None),
        # A day past the window waits for the next page.
        ([0, 1, 3, 9], False, [0, 1], 3),
        # The read stopped: its last day may be cut short, so it waits too.
        ([0, 1, 2, 2], True, [0, 1], 2),
        # The first day filled the read: the next page starts the day after.
        ([0, 0, 0], True, [0, 0, 0], 1),
        # The first day is shown whole even past the cap; the next days only whole.
        ([0] * (BOARD_CARDS + 5) + [1], False, [0] * (BOARD_CARDS + 5) + [1], None),
        ([0] + [1] * BOARD_CARDS + [2], False, [0] + [1] * BOARD_CARDS, 2),
        ([0] + [1] * (BOARD_CARDS + 1), False, [0], 1),
    ],
)
def test_a_page_shows_whole_days_within_the_window_and_the_cap(
    read: list[int], more: bool, shown: list[int], next_day: int | None
) -> None:
    assert BOARD_DAYS == 3
    items, after = board_page(trips(*read), DAY, more)
    assert days_of(items) == shown
    assert after == (None if next_day is None else DAY + timedelta(days=next_day))


@pytest.mark.parametrize(
    ("text", "day"),
    [("", 0), ("2026-07-04", 3), ("2000-01-01", 0), ("junk", 0), ("2026-13-01", 0)],
)
def test_the_page_starts_today_unless_a_later_day_is_asked(text: str, day: int) -> None:
    assert first_day(text, DAY) == DAY + timedelta(days=day)


def test_the_last_day_there_is_is_an_empty_page_not_an_error(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    page = client.get("/dispatch?from=9999-12-31")
    assert page.status_code == 200 and "No trips on these days" in page.text


def cards(html: str) -> list[str]:
    return re.findall(r'<span class="patron">(\w+)', html)


def later_link(html: str) -> str | None:
    found = re.search(r'<p class="later-trips"><a href="([^"]+)">', html)
    return found.group(1) if found else None


def test_later_trips_are_a_real_link_away_day_by_day(client: TestClient, store: Store) -> None:
    for name, days_ahead in [("Ann", 0), ("Bea", 1), ("Cid", 2), ("Dot", 3), ("Eve", 9)]:
        add_event(store, days_ahead=days_ahead, first_name=name)
    today = today_in(store.settings.timezone)
    sign_in(client, store)

    board = client.get("/dispatch").text
    assert cards(board) == ["Ann", "Bea", "Cid"]
    assert "<h1>Upcoming trips</h1>" in board
    link = later_link(board)
    assert link == f"/dispatch?from={today + timedelta(days=3)}"
    assert f"Later trips: from {(today + timedelta(days=3)):%a %-d %b %Y}" in board

    later = client.get(link).text
    assert cards(later) == ["Dot"]
    assert f"<h1>Trips from {(today + timedelta(days=3)):%a %-d %b %Y}</h1>" in later
    assert 'href="/dispatch">Back to today' in later
    link = later_link(later)
    assert link == f"/dispatch?from={today + timedelta(days=9)}"

    last = client.get(link).text
    assert cards(last) == ["Eve"] and later_link(last) is None
    # A day already past, or not a date, is today's board.
    for asked in ("2000-01-01", "nonsense"):
        assert cards(client.get(f"/dispatch?from={asked}").text) == ["Ann", "Bea", "Cid"]


def test_a_first_day_longer_than_one_read_is_shown_whole_with_the_day_after(
    client: TestClient, store: Store
) -> None:
    names = [f"T{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(BOARD_CARDS + 5)]
    for name in names:
        add_event(store, first_name=name)
    add_event(store, days_ahead=1, first_name="Zed")
    add_event(store, days_ahead=5, first_name="Far")
    sign_in(client, store)
    board = client.get("/dispatch").text
    assert sorted(cards(board)) == sorted([*names, "Zed"])
    far = today_in(store.settings.timezone) + timedelta(days=5)
    assert later_link(board) == f"/dispatch?from={far}"


def test_a_payment_without_javascript_returns_to_the_trips_own_page(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, days_ahead=5, first_name="Far")
    token = sign_in(client, store)
    payment_id = "0f8e8bde-8c3c-4f7e-9d8e-5a4f3b2c1d0e"
    response = pay(client, event["event_id"], token, amount="10", payment_id=payment_id)
    assert response.status_code == 303
    day = today_in(store.settings.timezone) + timedelta(days=5)
    assert response.headers["location"] == f"/dispatch?saved={payment_id}&from={day}"
    page = client.get(response.headers["location"]).text
    assert cards(page) == ["Far"] and "Payment saved: $10.00 cash for Far" in page
