"""Crew assignment, credentials and the captain's warnings (pure rules, issue 27)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from server.domain.credentials import expiring_soon, trip_warnings, validate_credentials
from server.domain.crew_roles import assigned, crew_of, is_assigned, with_assignment, without
from server.domain.forms import FormErrors

TRIP = {"event_id": "2027-06-10-alice-whale", "date": "2027-06-10"}
GOOD = {
    "uscg_type": "Master",
    "uscg_expires": "2028-01-01",
    "medical_expires": "2028-01-01",
    "drug_testing": True,
}


def trip(*crew: tuple[str, str]) -> dict[str, Any]:
    return {**TRIP, "crew_assigned": [{"email": e, "role": r, "name": e} for e, r in crew]}


def users(**credentials: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{k}@x.com": {"email": f"{k}@x.com", "name": k.title(), "credentials": v}
        for k, v in credentials.items()
    }


def test_assigned_lists_the_master_first_and_ignores_no_crew() -> None:
    event = trip(("d@x.com", "deckhand"), ("m@x.com", "master"))
    assert assigned(event) == [("m@x.com", "master"), ("d@x.com", "deckhand")]
    assert assigned(TRIP) == []
    assert is_assigned(event, "d@x.com") and not is_assigned(event, "z@x.com")


def test_a_new_master_makes_the_old_one_a_deckhand() -> None:
    event = trip(("m@x.com", "master"), ("d@x.com", "deckhand"))
    crew = with_assignment(event, "n@x.com", "New", "master")
    assert [(c["email"], c["role"]) for c in crew] == [
        ("n@x.com", "master"),
        ("m@x.com", "deckhand"),
        ("d@x.com", "deckhand"),
    ]
    assert sum(c["role"] == "master" for c in crew) == 1


def test_reassigning_someone_changes_their_role_not_adds_them_twice() -> None:
    event = trip(("d@x.com", "deckhand"))
    crew = with_assignment(event, "d@x.com", "D", "master")
    assert crew == [{"email": "d@x.com", "role": "master", "name": "D"}]
    with pytest.raises(ValueError):
        with_assignment(event, "d@x.com", "D", "purser")


def test_without_takes_one_person_off() -> None:
    event = trip(("m@x.com", "master"), ("d@x.com", "deckhand"))
    assert [c["email"] for c in without(event, "m@x.com")] == ["d@x.com"]
    assert crew_of({**event, "crew_assigned": without(event, "z@x.com")}) == crew_of(event)


def test_a_well_crewed_trip_has_no_warnings() -> None:
    event = trip(("m@x.com", "master"), ("d@x.com", "deckhand"))
    assert trip_warnings(event, users(m=GOOD, d={"drug_testing": True}), min_crew=2) == []


def test_no_master_is_a_warning() -> None:
    warnings = trip_warnings(trip(("d@x.com", "deckhand")), users(d={"drug_testing": True}))
    assert warnings == ["No master is assigned to this trip."]


@pytest.mark.parametrize(
    ("field", "what"),
    [("uscg_expires", "USCG credential"), ("medical_expires", "medical certificate")],
)
def test_the_masters_papers_expiring_before_the_trip_is_a_warning(field: str, what: str) -> None:
    event = trip(("m@x.com", "master"))
    expired = {**GOOD, field: "2027-06-09"}
    assert trip_warnings(event, users(m=expired)) == [
        f"Master M's {what} expires 2027-06-09, before the trip."
    ]
    # Valid on the trip's own day is valid.
    assert trip_warnings(event, users(m={**GOOD, field: "2027-06-10"})) == []


def test_a_master_with_nothing_recorded_is_named() -> None:
    warnings = trip_warnings(trip(("m@x.com", "master")), users(m={"drug_testing": True}))
    assert "Master M has no USCG credential expiry recorded." in warnings
    assert "Master M has no medical certificate expiry recorded." in warnings


def test_anyone_not_enrolled_in_drug_testing_is_named() -> None:
    event = trip(("m@x.com", "master"), ("d@x.com", "deckhand"))
    warnings = trip_warnings(event, users(m=GOOD, d={"drug_testing": False}))
    assert warnings == ["D is not enrolled in drug testing."]
    # An account with no record at all (or gone) is not enrolled either.
    assert trip_warnings(trip(("m@x.com", "master"), ("g@x.com", "deckhand")), users(m=GOOD)) == [
        "g@x.com is not enrolled in drug testing."
    ]


def test_fewer_crew_than_the_boats_minimum_is_a_warning() -> None:
    event = trip(("m@x.com", "master"))
    assert trip_warnings(event, users(m=GOOD), min_crew=2) == [
        "Only 1 crew assigned; the boat needs at least 2."
    ]
    assert trip_warnings(event, users(m=GOOD), min_crew=1) == []
    assert trip_warnings(event, users(m=GOOD), min_crew=None) == []


def test_expiries_within_30_days_are_listed_soonest_first() -> None:
    today = date(2027, 6, 1)
    people: list[dict[str, Any]] = [
        {
            "email": "a@x.com",
            "name": "Ann",
            "credentials": {"cpr_expires": "2027-07-01", "uscg_expires": "2027-06-05"},
        },
        {
            "email": "b@x.com",
            "name": "Bo",
            "credentials": {"medical_expires": "2027-05-01", "cpr_expires": "2027-07-02"},
        },
        {"email": "c@x.com", "name": "Cy"},
    ]
    found = [(e.name, e.what, e.on.isoformat()) for e in expiring_soon(people, today)]
    assert found == [
        ("Bo", "Medical certificate", "2027-05-01"),  # already expired: listed too
        ("Ann", "USCG credential", "2027-06-05"),
        ("Ann", "CPR / first aid", "2027-07-01"),  # day 30: in; day 31 (Bo's CPR): out
    ]


def test_credentials_are_validated_per_field() -> None:
    stored = validate_credentials(
        {
            "uscg_type": " OUPV ",
            "uscg_expires": "2028-02-29",
            "drug_testing": "yes",
            "cpr_expires": "",
        }
    )
    assert stored == {"uscg_type": "OUPV", "uscg_expires": "2028-02-29", "drug_testing": True}
    with pytest.raises(FormErrors) as refused:
        validate_credentials({"medical_expires": "2027-02-30", "cpr_expires": "31/12/2027"})
    assert set(refused.value.errors) == {"medical_expires", "cpr_expires"}
    assert "YYYY-MM-DD" in refused.value.errors["medical_expires"]
    assert validate_credentials({"drug_testing": "no"}) == {"drug_testing": False}


@pytest.mark.parametrize("typed", ["9999-12-31", "2207-03-31", "1949-12-31", "2101-01-01"])
def test_a_credential_date_with_an_impossible_year_is_refused(typed: str) -> None:
    with pytest.raises(FormErrors) as refused:
        validate_credentials({"uscg_expires": typed, "cpr_expires": "2027-03-31"})
    assert set(refused.value.errors) == {"uscg_expires"}
    assert f"check the year ({typed[:4]})" in refused.value.errors["uscg_expires"]


@pytest.mark.parametrize("typed", ["1950-01-01", "2100-12-31"])
def test_a_credential_date_at_the_years_ends_is_kept(typed: str) -> None:
    assert validate_credentials({"uscg_expires": typed})["uscg_expires"] == typed


def test_the_crew_maps_keep_the_names_and_fill_a_missing_role_and_name() -> None:
    event = {
        "crew_assigned": [
            {"email": "d@x.com"},
            {"email": "m@x.com", "role": "master", "name": "Mara"},
            {"email": "", "role": "master"},
        ]
    }
    assert crew_of(event) == [
        {"email": "m@x.com", "role": "master", "name": "Mara"},
        {"email": "d@x.com", "role": "deckhand", "name": "d@x.com"},
    ]
    assert without(event, "m@x.com") == [
        {"email": "d@x.com", "role": "deckhand", "name": "d@x.com"}
    ]


def test_an_unknown_role_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="^purser$"):
        with_assignment(TRIP, "d@x.com", "D", "purser")


def test_the_licence_type_may_be_60_characters_and_no_more() -> None:
    assert validate_credentials({"uscg_type": "T" * 60})["uscg_type"] == "T" * 60
    with pytest.raises(FormErrors) as refused:
        validate_credentials({"uscg_type": "T" * 61, "cpr_expires": "soon"})
    assert refused.value.errors == {
        "uscg_type": "Use at most 60 characters.",
        "cpr_expires": "CPR / first aid expiry: enter a date as YYYY-MM-DD, e.g. 2027-03-31.",
    }
