"""The boat form, a stored boat read back and the certificate's limits (server/domain/boats.py):
the whole message the captain reads, for each field at and past its limit."""

from __future__ import annotations

from decimal import Decimal

from server.domain.boats import (
    Boat,
    boat_label,
    boat_of,
    crew_refusal,
    new_boat_id,
    parse_boat_form,
    passenger_refusal,
)

OTTER = Boat("b1", "Sea Otter", "DOC 1234567", 12, 2, "A charter boat", "Kona")

FORM = {
    "name": "  Sea Otter ",
    "number": " DOC 1234567 ",
    "passengers": " 12 ",
    "min_crew": "2",
    "description": " A charter boat ",
    "home_port": " Kona ",
}


def test_a_stored_boat_reads_back_as_the_boat_it_was() -> None:
    item = {**OTTER.as_item(), "passengers": Decimal(12), "min_crew": Decimal(2)}
    assert boat_of(item) == OTTER
    assert OTTER.as_item() == {
        "boat_id": "b1",
        "name": "Sea Otter",
        "number": "DOC 1234567",
        "passengers": 12,
        "min_crew": 2,
        "description": "A charter boat",
        "home_port": "Kona",
    }


def test_a_stored_boat_missing_its_fields_is_a_six_pack_with_one_crew() -> None:
    assert boat_of({"boat_id": "b2"}) == Boat("b2", "", "", 6, 1, "", "")


def test_new_boat_ids_are_twelve_hex_characters_and_differ() -> None:
    first, second = new_boat_id(), new_boat_id()
    assert len(first) == 12 and int(first, 16) >= 0
    assert first != second


def test_the_form_gives_the_boat_with_its_fields_trimmed() -> None:
    assert parse_boat_form(FORM, "b1") == (OTTER, {})


def test_every_field_at_its_limit_is_accepted() -> None:
    values = {
        "name": "N" * 60,
        "number": "9" * 40,
        "passengers": "150",
        "min_crew": "20",
        "description": "d" * 200,
        "home_port": "p" * 80,
    }
    boat, errors = parse_boat_form(values, "b9")
    assert errors == {}
    assert boat == Boat("b9", "N" * 60, "9" * 40, 150, 20, "d" * 200, "p" * 80)
    low, errors = parse_boat_form({**values, "passengers": "1", "min_crew": "1"}, "b9")
    assert errors == {} and low is not None
    assert (low.passengers, low.min_crew) == (1, 1)


def test_the_optional_texts_may_be_left_out() -> None:
    boat, errors = parse_boat_form({"name": "Skiff", "passengers": "2", "min_crew": "1"}, "b3")
    assert errors == {}
    assert boat == Boat("b3", "Skiff", "", 2, 1, "", "")


def test_every_field_past_its_limit_is_refused_with_its_message() -> None:
    values = {
        "name": "N" * 61,
        "number": "9" * 41,
        "passengers": "151",
        "min_crew": "21",
        "description": "d" * 201,
        "home_port": "p" * 81,
    }
    assert parse_boat_form(values, "b1") == (
        None,
        {
            "name": "Keep this to 60 characters.",
            "passengers": "Give a passenger limit from 1 to 150.",
            "min_crew": "Give a minimum crew from 1 to 20.",
            "number": "Keep this to 40 characters.",
            "description": "Keep this to 200 characters.",
            "home_port": "Keep this to 80 characters.",
        },
    )


def test_an_empty_form_names_each_required_field() -> None:
    assert parse_boat_form({}, "b1") == (
        None,
        {
            "name": "Give the boat's name.",
            "passengers": "Give the passenger limit as a whole number, like 2.",
            "min_crew": "Give the minimum crew as a whole number, like 2.",
        },
    )
    blank = {"name": "   ", "passengers": " ", "min_crew": ""}
    assert parse_boat_form(blank, "b1")[1]["name"] == "Give the boat's name."


def test_counts_must_be_whole_numbers_from_one() -> None:
    for raw, message in (
        ("0", "Give a passenger limit from 1 to 150."),
        ("2.5", "Give the passenger limit as a whole number, like 2."),
        ("-3", "Give the passenger limit as a whole number, like 2."),
        ("1000", "Give the passenger limit as a whole number, like 2."),
        ("six", "Give the passenger limit as a whole number, like 2."),
    ):
        boat, errors = parse_boat_form({**FORM, "passengers": raw}, "b1")
        assert boat is None
        assert errors == {"passengers": message}, raw
    boat, errors = parse_boat_form({**FORM, "min_crew": "0"}, "b1")
    assert (boat, errors) == (None, {"min_crew": "Give a minimum crew from 1 to 20."})


def test_a_boat_is_named_with_its_number_when_it_has_one() -> None:
    assert boat_label(OTTER) == "Sea Otter (DOC 1234567)"
    assert boat_label(Boat("b2", "Skiff", "", 2, 1, "", "")) == "Skiff"


def test_guests_up_to_the_certificate_are_allowed_and_one_more_is_refused() -> None:
    assert passenger_refusal(OTTER, 12) is None
    assert passenger_refusal(OTTER, 13) == (
        "13 guests checked in, but Sea Otter may carry at most 12 passengers. Nothing was saved."
    )


def test_fewer_crew_than_the_minimum_is_refused() -> None:
    assert crew_refusal(OTTER, 2) is None
    assert crew_refusal(OTTER, 3) is None
    assert crew_refusal(OTTER, 1) == "Sea Otter needs at least 2 crew aboard; 1 is ticked."
    assert crew_refusal(OTTER, 0) == "Sea Otter needs at least 2 crew aboard; 0 are ticked."
