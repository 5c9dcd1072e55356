"""server/domain/event_form.py: what a new event needs and what its details may be,
each message in full, every field of the stored item. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.domain.event_form import new_event_id, validate_event_details, validate_new_event
from server.domain.event_ids import InvalidEventId
from server.domain.forms import FormErrors

NEW = {"date": " 2026-07-04 ", "first_name": " Zoë ", "period": " Sunset ", "total_price": "450"}


def details_errors(**values: str) -> dict[str, str]:
    with pytest.raises(FormErrors) as refused:
        validate_event_details(values)
    return refused.value.errors


def test_a_new_event_is_stored_with_every_field_it_was_given() -> None:
    item = validate_new_event(
        {
            **NEW,
            "start_time": "09:30",
            "duration_minutes": "150",
            "boat": " Orca ",
            "capacity": "12",
            "meeting_point": "Dock B",
            "party_size": "4",
            "notes": "Cake",
        }
    )
    assert item == {
        "event_id": "2026-07-04-zoe-sunset",
        "date": "2026-07-04",
        "patron_first_name": "Zoë",
        "status": "scheduled",
        "payments": [],
        "period": "Sunset",
        "start_time": "09:30",
        "duration_minutes": 150,
        "boat": "Orca",
        "capacity": 12,
        "meeting_point": "Dock B",
        "party_size": 4,
        "total_price": Decimal("450.00"),
        "notes": "Cake",
    }


def test_a_new_event_without_a_period_or_extras_stores_only_what_it_has() -> None:
    item = validate_new_event({"date": "2026-07-04", "first_name": "Bo", "total_price": "1"})
    assert item == {
        "event_id": "2026-07-04-bo",
        "date": "2026-07-04",
        "patron_first_name": "Bo",
        "status": "scheduled",
        "payments": [],
        "total_price": Decimal("1.00"),
    }


def test_a_bad_id_and_bad_details_are_all_reported() -> None:
    with pytest.raises(FormErrors) as refused:
        validate_new_event({"date": "2026-02-30", "first_name": "Bo", "capacity": "0"})
    assert refused.value.errors == {
        "date": "2026-02-30 is not a real calendar date.",
        "total_price": "Enter the amount.",
        "capacity": "Use a number from 1 to 500.",
    }


def test_names_and_periods_over_200_characters_are_refused_before_folding() -> None:
    for name in ("first_name", "period"):
        with pytest.raises(InvalidEventId) as refused:
            new_event_id({"date": "2026-07-04", "first_name": "Bo", name: "a" * 201})
        assert (refused.value.field, refused.value.message) == (
            name,
            "Keep this to 200 characters.",
        )
    with pytest.raises(InvalidEventId) as long_name:
        new_event_id({"date": "2026-07-04", "first_name": "a" * 200})
    assert (long_name.value.field, long_name.value.message) == (
        "first_name",
        "Keep the first name to 30 letters.",  # 200 is allowed here: the id's own rule
    )


def test_a_missing_date_or_name_is_refused_by_the_id_rules() -> None:
    with pytest.raises(InvalidEventId) as no_date:
        new_event_id({"first_name": "Bo"})
    assert (no_date.value.field, no_date.value.message) == (
        "date",
        "Use a date written YYYY-MM-DD.",
    )
    with pytest.raises(InvalidEventId) as no_name:
        new_event_id({"date": "2026-07-04"})
    assert (no_name.value.field, no_name.value.message) == (
        "first_name",
        "Give the patron's first name, in letters.",
    )


def test_fields_sent_as_none_read_as_empty() -> None:
    values: dict[str, str] = {"date": "2026-07-04", "first_name": "Bo", "period": None}  # type: ignore[dict-item]
    assert new_event_id(values) == "2026-07-04-bo"
    item = validate_new_event({**values, "total_price": "5"})
    assert item["event_id"] == "2026-07-04-bo" and "period" not in item


def test_details_an_edit_clears_are_none() -> None:
    assert validate_event_details({"total_price": "10", "boat": " ", "capacity": ""}) == {
        "start_time": None,
        "duration_minutes": None,
        "boat": None,
        "boat_id": None,  # issue 26 item 5: the boat chosen from the list
        "capacity": None,
        "meeting_point": None,
        "party_size": None,
        "total_price": Decimal("10.00"),
        "notes": None,
        "booker_email": None,  # issue 28: the booker's email, optional
    }


def test_a_boat_id_is_one_the_list_could_have_made() -> None:
    assert validate_event_details({"total_price": "1", "boat_id": "a1b2"})["boat_id"] == "a1b2"
    with pytest.raises(FormErrors) as bad:
        validate_event_details({"total_price": "1", "boat_id": "Sea Otter"})
    assert bad.value.errors == {"boat_id": "Choose a boat from the list."}


def test_a_booker_email_is_an_address_or_nothing() -> None:
    details = validate_event_details({"total_price": "10", "booker_email": "pat@example.com"})
    assert details["booker_email"] == "pat@example.com"
    with pytest.raises(FormErrors) as refused:
        validate_event_details({"total_price": "10", "booker_email": "pat at example"})
    assert refused.value.errors == {
        "booker_email": "Enter an email address like name@example.com, or leave it empty."
    }


def test_a_none_value_reads_as_empty() -> None:
    values: dict[str, str] = {"total_price": "10", "notes": None}  # type: ignore[dict-item]
    assert validate_event_details(values)["notes"] is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"start_time": "9:30"}, {"start_time": "Use a 24-hour time like 09:30."}),
        ({"start_time": "24:00"}, {"start_time": "Use a 24-hour time like 09:30."}),
        (
            {"total_price": "1000000.01"},
            {"total_price": "The amount cannot be more than $1,000,000.00."},
        ),
        ({"boat": "b" * 201}, {"boat": "Keep this to 200 characters."}),
        ({"meeting_point": "m" * 201}, {"meeting_point": "Keep this to 200 characters."}),
        ({"notes": "n" * 2001}, {"notes": "Keep the notes to 2000 characters."}),
        ({"duration_minutes": "1441"}, {"duration_minutes": "Use a number from 1 to 1440."}),
        ({"duration_minutes": "0"}, {"duration_minutes": "Use a number from 1 to 1440."}),
        ({"capacity": "501"}, {"capacity": "Use a number from 1 to 500."}),
        ({"party_size": "501"}, {"party_size": "Use a number from 1 to 500."}),
        ({"party_size": "1.5"}, {"party_size": "Use a whole number."}),
        ({"party_size": "1234567"}, {"party_size": "Use a whole number."}),
        ({"party_size": "-1"}, {"party_size": "Use a whole number."}),
    ],
)
def test_each_bad_detail_has_its_exact_message(
    values: dict[str, str], expected: dict[str, str]
) -> None:
    assert details_errors(**{"total_price": "10", **values}) == expected


def test_details_at_their_limits_are_kept() -> None:
    details = validate_event_details(
        {
            "total_price": "1000000",
            "start_time": "23:59",
            "duration_minutes": "1440",
            "capacity": "500",
            "party_size": "1",
            "boat": "b" * 200,
            "meeting_point": "m" * 200,
            "notes": "n" * 2000,
        }
    )
    assert (details["total_price"], details["start_time"], details["duration_minutes"]) == (
        Decimal("1000000.00"),
        "23:59",
        1440,
    )
    assert (details["capacity"], details["party_size"]) == (500, 1)
    assert (len(details["boat"]), len(details["meeting_point"]), len(details["notes"])) == (
        200,
        200,
        2000,
    )
