"""server/domain/board.py: which trips a board page shows and where the next starts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from server.domain.board import BOARD_CARDS, board_page, day_of, first_day

FIRST = date(2026, 7, 4)


def trips(day: str, count: int) -> list[dict[str, Any]]:
    return [{"event_id": f"{day}-{i}", "starts_at": f"{day}T{i:02d}:00"} for i in range(count)]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["event_id"]) for item in items]


def test_the_day_is_the_start_keys_date() -> None:
    assert day_of({"starts_at": "2026-07-04T09:30:00Z#x"}) == "2026-07-04"


def test_a_page_shows_its_day_and_the_next_two_then_links_on() -> None:
    items = trips("2026-07-03", 1) + trips("2026-07-04", 2) + trips("2026-07-05", 1)
    items += trips("2026-07-06", 1) + trips("2026-07-07", 1)
    shown, following = board_page(items, FIRST, more=False)
    assert ids(shown) == [
        "2026-07-03-0",
        "2026-07-04-0",
        "2026-07-04-1",
        "2026-07-05-0",
        "2026-07-06-0",
    ]
    assert following == date(2026, 7, 7)


def test_everything_read_within_the_days_ends_the_board() -> None:
    items = trips("2026-07-04", 1) + trips("2026-07-06", 1)
    assert board_page(items, FIRST, more=False) == (items, None)


def test_the_last_day_of_a_cut_read_is_left_for_the_next_page() -> None:
    items = trips("2026-07-04", 1) + trips("2026-07-05", 2)
    shown, following = board_page(items, FIRST, more=True)
    assert ids(shown) == ["2026-07-04-0"] and following == date(2026, 7, 5)


def test_a_read_that_stopped_on_the_first_day_continues_the_day_after() -> None:
    items = trips("2026-07-04", 3)
    assert board_page(items, FIRST, more=True) == (items, FIRST + timedelta(days=1))


def test_the_first_day_is_whole_but_later_days_stop_at_the_card_cap() -> None:
    head = trips("2026-07-04", BOARD_CARDS + 5)
    full = trips("2026-07-05", BOARD_CARDS)
    shown, following = board_page(head + full, FIRST, more=False)
    assert len(shown) == 2 * BOARD_CARDS + 5 and following is None
    over = trips("2026-07-05", BOARD_CARDS) + trips("2026-07-06", 1)
    shown, following = board_page(head + over, FIRST, more=False)
    assert len(shown) == 2 * BOARD_CARDS + 5 and following == date(2026, 7, 6)


def test_a_page_starts_on_a_later_day_asked_for_else_today() -> None:
    today = date(2026, 7, 4)
    assert first_day("2026-07-09", today) == date(2026, 7, 9)
    assert first_day("2026-07-01", today) == today
    assert first_day("", today) == today
    assert first_day("soon", today) == today
    assert first_day("9999-12-31", today) == date(9999, 12, 27)
