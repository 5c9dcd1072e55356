from datetime import date

import pytest

from server.domain.event_ids import (
    InvalidEventId,
    fold,
    is_valid_event_id,
    make_event_id,
    nonconforming_ids,
    suggest_id,
)


@pytest.mark.parametrize(
    ("day", "name", "period", "expected"),
    [
        ("2026-05-23", "Alice", "whale", "2026-05-23-alice-whale"),
        ("2026-07-04", "Bo", None, "2026-07-04-bo"),
        ("2026-07-04", "  Zoë ", "", "2026-07-04-zoe"),
        ("2026-07-04", "Søren", "AM 2", "2026-07-04-soren-am2"),
        ("2026-07-04", "José-María", "Sunset", "2026-07-04-josemaria-sunset"),
        ("2028-02-29", "Ann", "x", "2028-02-29-ann-x"),
        (date(2026, 1, 2), "Straße", None, "2026-01-02-strasse"),
    ],
)
def test_ids_are_built_from_the_form_fields(
    day: str | date, name: str, period: str | None, expected: str
) -> None:
    assert make_event_id(day, name, period) == expected
    assert is_valid_event_id(expected)


@pytest.mark.parametrize(
    ("day", "name", "period", "field"),
    [
        ("2026-02-30", "Alice", None, "date"),
        ("2027-02-29", "Alice", None, "date"),
        ("26-05-23", "Alice", None, "date"),
        ("2026-13-01", "Alice", None, "date"),
        ("", "Alice", None, "date"),
        ("2026-05-23", "", None, "first_name"),
        ("2026-05-23", "123", None, "first_name"),
        ("2026-05-23", "李", None, "first_name"),
        ("2026-05-23", "a" * 31, None, "first_name"),
        ("2026-05-23", "Alice", "!!!", "period"),
        ("2026-05-23", "Alice", "p" * 21, "period"),
    ],
)
def test_ids_breaking_the_convention_are_refused(
    day: str, name: str, period: str | None, field: str
) -> None:
    with pytest.raises(InvalidEventId) as refused:
        make_event_id(day, name, period)
    assert refused.value.field == field
    assert refused.value.message


@pytest.mark.parametrize(
    "event_id",
    [
        "2026-05-23",  # the operator's legacy id: no first name
        "2026-02-30-alice",  # not a real date
        "2026-05-23-Alice",  # upper case
        "2026-05-23-alice-",
        "2026-05-23-alice-whale-watch",
        "2026-05-23-al1ce",
        "2026-05-23-zoë",
        "../../etc/passwd",
        "",
    ],
)
def test_malformed_ids_are_not_valid(event_id: str) -> None:
    assert not is_valid_event_id(event_id)


def test_fold_drops_accents_and_punctuation() -> None:
    assert fold("Ærøskøbing O'Neil") == "aeroskobingoneil"


def test_legacy_ids_are_listed_with_a_suggestion_built_from_the_item() -> None:
    items = [
        {"event_id": "2026-07-04-bo"},  # conforming: not listed
        {"event_id": "whale-trip"},  # no date to build an id from
        {"event_id": "2026-05-23", "patron_first_name": "Zoë", "period": "Sunset"},
        {"event_id": "2026-05-24", "moved_to": "2026-05-24-guest"},  # a stub: done already
    ]
    assert nonconforming_ids(items) == [
        ("2026-05-23", "2026-05-23-zoe-sunset"),
        ("whale-trip", None),
    ]
    assert suggest_id({"event_id": "2026-05-23"}) == "2026-05-23-guest"
