"""server/domain/event_ids.py: the exact messages for each part of an id, the date range,
and what a legacy item suggests. Pure."""

from __future__ import annotations

from datetime import date

import pytest

from server.domain.event_ids import (
    InvalidEventId,
    fold,
    is_valid_event_id,
    make_event_id,
    parse_date,
    suggest_id,
)


def refusal(day: str | date, name: str, period: str | None = None) -> tuple[str, str]:
    with pytest.raises(InvalidEventId) as refused:
        make_event_id(day, name, period)
    assert str(refused.value) == refused.value.message
    return refused.value.field, refused.value.message


@pytest.mark.parametrize(
    ("day", "name", "period", "expected"),
    [
        ("2026-02-30", "Al", None, ("date", "2026-02-30 is not a real calendar date.")),
        (" 2026-02-30 ", "Al", None, ("date", "2026-02-30 is not a real calendar date.")),
        ("2026/05/23", "Al", None, ("date", "Use a date written YYYY-MM-DD.")),
        ("1999-12-31", "Al", None, ("date", "Use a date between 2000 and 2100.")),
        ("2101-01-01", "Al", None, ("date", "Use a date between 2000 and 2100.")),
        ("2026-05-23", "12", None, ("first_name", "Give the patron's first name, in letters.")),
        ("2026-05-23", "a" * 31, None, ("first_name", "Keep the first name to 30 letters.")),
        ("2026-05-23", "Al", "!!", ("period", "Use letters and digits for the period label.")),
        ("2026-05-23", "Al", "p" * 21, ("period", "Keep the period label to 20 characters.")),
    ],
)
def test_each_broken_part_has_its_exact_message(
    day: str, name: str, period: str | None, expected: tuple[str, str]
) -> None:
    assert refusal(day, name, period) == expected


def test_the_first_and_last_years_are_allowed() -> None:
    assert parse_date(" 2000-01-01 ") == date(2000, 1, 1)
    assert parse_date("2100-12-31") == date(2100, 12, 31)


def test_names_and_periods_at_their_limits_are_allowed() -> None:
    assert make_event_id("2026-05-23", "a" * 30, "p" * 20) == f"2026-05-23-{'a' * 30}-{'p' * 20}"


def test_a_blank_period_adds_nothing() -> None:
    assert make_event_id("2026-05-23", "Al", "   ") == "2026-05-23-al"


def test_a_date_object_is_used_as_it_is() -> None:
    assert make_event_id(date(1999, 1, 1), "Al") == "1999-01-01-al"


def test_every_special_letter_folds_to_ascii() -> None:
    assert fold("ßæÆøØœŒłŁđĐðþı") == "ssaeaeoooeoelldddthi"
    assert fold("A1 b2") == "a1b2"


def test_an_id_of_a_year_out_of_range_is_not_valid() -> None:
    assert is_valid_event_id("2026-05-23-al-am2")
    assert not is_valid_event_id("1999-05-23-al")


def test_a_legacy_item_suggests_from_its_date_and_first_name() -> None:
    assert suggest_id({"event_id": "x", "date": "2026-05-23", "first_name": "Bo"}) == (
        "2026-05-23-bo"
    )
    assert suggest_id(
        {"event_id": "2026-05-23", "patron_first_name": "Zoë", "first_name": "Bo"}
    ) == ("2026-05-23-zoe")
    assert suggest_id({"event_id": "2026-05-23", "period": "AM"}) == "2026-05-23-guest-am"
    assert suggest_id({"event_id": "2026-05-23", "first_name": "12"}) is None


def test_a_legacy_id_longer_than_a_date_gives_its_first_ten_characters() -> None:
    assert suggest_id({"event_id": "2026-05-23-Whale Trip"}) == "2026-05-23-guest"
