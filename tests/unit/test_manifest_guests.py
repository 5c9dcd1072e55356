"""server/domain/manifest.py: each signer and each minor is a guest with a slot."""

from __future__ import annotations

from datetime import date

from server.domain.manifest import Guest, checkin_slots, guests_of

WAIVER = {
    "waiver_id": "6f1c1c1e-8d4e",
    "full_name": "Ann Lee",
    "date_of_birth": "1990-07-05",
    "minors": [
        {"name": "Kit Lee", "date_of_birth": "2015-07-04"},
        {"name": "Bo Lee", "date_of_birth": "2018-01-01"},
    ],
    "checkins": {"minor-0": {"checked_in": True}, "signer": {"checked_in": False}},
}


def test_a_waiver_is_its_signer_then_each_minor_with_ages_on_the_trip_day() -> None:
    assert guests_of(
        [WAIVER, {**WAIVER, "waiver_id": "w2", "minors": [], "checkins": {}}], date(2026, 7, 4)
    ) == [
        Guest("6f1c1c1e-8d4e", "signer", "Ann Lee", 35, None, False),
        Guest("6f1c1c1e-8d4e", "minor-0", "Kit Lee", 11, "Ann Lee", True),
        Guest("6f1c1c1e-8d4e", "minor-1", "Bo Lee", 8, "Ann Lee", False),
        Guest("w2", "signer", "Ann Lee", 35, None, False),
    ]


def test_a_waiver_without_minors_or_checkins_is_one_guest_not_checked_in() -> None:
    bare = {k: v for k, v in WAIVER.items() if k not in ("minors", "checkins")}
    assert guests_of([bare], date(2026, 7, 5)) == [
        Guest("6f1c1c1e-8d4e", "signer", "Ann Lee", 36, None, False)
    ]


def test_a_checked_in_signer_is_checked_in() -> None:
    signed_in = {**WAIVER, "checkins": {"signer": {"checked_in": True}}}
    assert [g.checked_in for g in guests_of([signed_in], date(2026, 7, 4))] == [True, False, False]


def test_a_guest_has_a_short_reference_and_a_dom_id() -> None:
    guest = Guest("6f1c1c1e-8d4e", "minor-0", "Kit", 11, "Ann", True)
    assert guest.reference == "6F1C1C1E"
    assert guest.dom_id == "guest-6f1c1c1e-8d4e-minor-0"


def test_the_slots_are_the_signer_and_each_minor() -> None:
    assert checkin_slots(WAIVER) == {"signer", "minor-0", "minor-1"}
    assert checkin_slots({}) == {"signer"}
