"""server/domain/waiver_rules.py: every field a signed waiver keeps, each message in
full, the minor rows, and the online signer cap. Pure (reads the pinned texts)."""

from __future__ import annotations

from datetime import date

import pytest

from server.domain.forms import FormErrors
from server.domain.waiver_rules import (
    CURRENT_ESIGN,
    CURRENT_WAIVER,
    Minor,
    WaiverSubmission,
    WaiverText,
    load_text,
    minor_rows,
    same_name,
    signer_cap,
    validate_waiver,
)

TRIP = date(2026, 7, 4)
TODAY = date(2026, 7, 1)
KEY = "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11"


def good(**overrides: str) -> dict[str, object]:
    form: dict[str, object] = {
        "waiver_id": KEY.upper(),
        "waiver_version": CURRENT_WAIVER,
        "esign_version": CURRENT_ESIGN,
        "full_name": " Alice  Mary Smith ",
        "date_of_birth": "1990-04-21",
        "email": "Alice@Example.com",
        "phone": "+1 (555) 123-4567",
        "emergency_name": "Bob  Smith",
        "emergency_phone": "555 987 6543",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": "alice   MARY smith",
        "minor_rows": "2",
        "minor_name_0": "Tim  Smith",
        "minor_dob_0": "2015-08-01",
    }
    form.update(overrides)
    return form


def errors_of(form: dict[str, object]) -> dict[str, str]:
    with pytest.raises(FormErrors) as refused:
        validate_waiver(form, TRIP, TODAY)
    return refused.value.errors


def test_a_signed_waiver_keeps_every_field_normalised() -> None:
    assert validate_waiver(good(), TRIP, TODAY) == WaiverSubmission(
        waiver_id=KEY,
        full_name="Alice Mary Smith",
        date_of_birth=date(1990, 4, 21),
        email="alice@example.com",
        phone="+1 (555) 123-4567",
        emergency_name="Bob Smith",
        emergency_phone="555 987 6543",
        signature="alice MARY smith",
        waiver=load_text(CURRENT_WAIVER),
        esign=load_text(CURRENT_ESIGN),
        minors=[Minor(name="Tim Smith", date_of_birth=date(2015, 8, 1))],
    )


def test_the_esign_text_is_the_one_named() -> None:
    signed = validate_waiver(good(), TRIP, TODAY)
    assert signed.esign.version == CURRENT_ESIGN and signed.waiver.version == CURRENT_WAIVER


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"full_name": ""}, {"full_name": "Enter your full legal name."}),
        (
            {"full_name": "x" * 101, "signature": "x" * 101},
            {"full_name": "Keep your full legal name to 100 characters."},
        ),
        (
            {"full_name": "1 2", "signature": "1 2"},
            {"full_name": "Enter your full legal name in letters."},
        ),
        ({"date_of_birth": ""}, {"date_of_birth": "Enter the date of birth."}),
        ({"date_of_birth": "1990-4-21"}, {"date_of_birth": "Enter a real date, like 1990-04-21."}),
        ({"date_of_birth": "1990-13-01"}, {"date_of_birth": "Enter a real date, like 1990-04-21."}),
        ({"date_of_birth": "19900421"}, {"date_of_birth": "Enter a real date, like 1990-04-21."}),
        (
            {"date_of_birth": "2026-07-02"},
            {"date_of_birth": "The date of birth cannot be in the future."},
        ),
        ({"date_of_birth": "1899-12-31"}, {"date_of_birth": "Check the year of birth."}),
        (
            {"date_of_birth": "2008-07-05"},
            {
                "date_of_birth": "The person signing must be 18 or older on the trip date. "
                "A parent or guardian signs for a minor below."
            },
        ),
        ({"email": "a@b.c"}, {"email": "Enter an email address, like name@example.com."}),
        ({"phone": ""}, {"phone": "Enter a phone number."}),
        (
            {"phone": "555-12345678901234567"},
            {"phone": "Enter a phone number of 7 to 15 digits, like +1 555 123 4567."},
        ),
        (
            {"emergency_phone": "123456"},
            {"emergency_phone": "Enter a phone number of 7 to 15 digits, like +1 555 123 4567."},
        ),
        ({"emergency_name": ""}, {"emergency_name": "Enter a contact name."}),
        (
            {"agree_terms": "on"},
            {"agree_terms": "Tick to confirm you have read and agree to the waiver."},
        ),
        (
            {"esign_consent": "Yes"},
            {
                "esign_consent": "Tick to agree to sign electronically, "
                "or ask the crew for a paper waiver."
            },
        ),
        ({"signature": "  "}, {"signature": "Type your full name to sign."}),
        (
            {"signature": "Alice Smith"},
            {"signature": "Type your name exactly as in 'Full legal name' above."},
        ),
        ({"minor_dob_0": ""}, {"minor_dob_0": "Enter the date of birth."}),
        ({"minor_name_0": ""}, {"minor_name_0": "Enter the minor's full name."}),
        (
            {"minor_dob_0": "2008-07-04"},
            {
                "minor_dob_0": "This guest is 18 or older on the trip date "
                "and signs their own waiver."
            },
        ),
        (
            {"waiver_id": "nope"},
            {"form": "This form is missing its reference. Reload the page and sign again."},
        ),
        (
            {"esign_version": "esign-v0"},
            {"form": "The waiver text changed. Read the text below and sign again."},
        ),
    ],
)
def test_each_bad_field_has_its_exact_message_and_only_it(
    overrides: dict[str, str], expected: dict[str, str]
) -> None:
    assert errors_of(good(**overrides)) == expected


def test_a_name_of_exactly_the_limit_is_allowed() -> None:
    signed = validate_waiver(good(full_name="x" * 100, signature="x" * 100), TRIP, TODAY)
    assert signed.full_name == "x" * 100


def test_the_earliest_year_and_the_day_of_the_form_are_allowed() -> None:
    assert validate_waiver(good(date_of_birth="1900-01-01"), TRIP, TODAY).date_of_birth == date(
        1900, 1, 1
    )
    born_today = good(minor_dob_0="2026-07-01")
    assert validate_waiver(born_today, TRIP, TODAY).minors[0].date_of_birth == TODAY


def test_a_minor_turning_18_the_day_after_the_trip_is_a_minor() -> None:
    signed = validate_waiver(good(minor_dob_0="2008-07-05"), TRIP, TODAY)
    assert signed.minors == [Minor("Tim Smith", date(2008, 7, 5))]


def test_phones_of_7_and_15_digits_are_allowed() -> None:
    signed = validate_waiver(good(phone="1234567", emergency_phone="+" + "1" * 15), TRIP, TODAY)
    assert (signed.phone, signed.emergency_phone) == ("1234567", "+" + "1" * 15)


def test_a_minor_row_with_a_bad_date_is_refused_and_not_kept() -> None:
    assert errors_of(good(minor_dob_0="2015-02-30")) == {
        "minor_dob_0": "Enter a real date, like 1990-04-21."
    }


def test_a_bad_date_of_birth_with_a_matching_signature_is_refused() -> None:
    assert set(errors_of(good(date_of_birth="1990-02-30"))) == {"date_of_birth"}


@pytest.mark.parametrize(
    ("rows", "count"),
    [("", 0), ("3", 3), ("10", 10), ("11", 10), ("999", 10), ("1000", 0), ("-1", 0), ("٣", 0)],
)
def test_the_minor_rows_are_bounded(rows: str, count: int) -> None:
    assert minor_rows({"minor_rows": rows}) == count


def test_only_the_rows_the_form_had_are_read() -> None:
    form = good(minor_rows="1", minor_name_1="Ann Smith", minor_dob_1="2016-01-01")
    assert [m.name for m in validate_waiver(form, TRIP, TODAY).minors] == ["Tim Smith"]


def test_names_match_whatever_their_case_and_spacing() -> None:
    assert same_name(" Zoë  Ann ", "zoë ann")
    assert not same_name("Zoe Ann", "Zoë Ann")


@pytest.mark.parametrize(
    ("capacity", "party", "cap"), [(12, 4, 22), (0, 4, 14), (0, 0, 50), (6, 0, 16)]
)
def test_a_trip_takes_its_size_and_ten_more_signers_online(
    capacity: int, party: int, cap: int
) -> None:
    assert signer_cap(capacity, party) == cap


def test_a_text_splits_into_its_paragraphs() -> None:
    text = WaiverText("v", "One.\n\n  \n\n Two\nlines. \n\n", "h")
    assert text.paragraphs == ["One.", "Two\nlines."]


def test_an_unknown_version_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load_text("standard-v0")
