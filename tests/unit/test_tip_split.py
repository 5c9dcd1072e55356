"""server/domain/tips.py: who a trip's tips are split among, and the split to the cent
(largest remainder, ties by name), with property-based tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.tips import (
    CrewMember,
    crew_of,
    parse_role_shares,
    parse_weight,
    split,
    trip_split,
    weights_for,
)


def crew(*names: str, role: str = "deckhand") -> list[CrewMember]:
    return [CrewMember(email=f"{n.lower()}@x", name=n, role=role) for n in names]


def test_equal_shares_give_the_left_over_cent_by_name() -> None:
    three = crew("Cy", "Ann", "Bo")
    assert split(Decimal("100.00"), three, {}) == {
        "ann@x": Decimal("33.34"),  # the one cent left goes to the first name
        "bo@x": Decimal("33.33"),
        "cy@x": Decimal("33.33"),
    }
    assert split(Decimal("100.01"), three, {}) == {
        "ann@x": Decimal("33.34"),
        "bo@x": Decimal("33.34"),
        "cy@x": Decimal("33.33"),
    }


def test_weights_split_by_largest_remainder() -> None:
    members = [CrewMember("m@x", "Mia", "master"), *crew("Dan", "Eve")]
    weights = weights_for(members, role_shares={"master": Decimal("1.5")})
    assert weights == {"m@x": Decimal("1.5"), "dan@x": Decimal(1), "eve@x": Decimal(1)}
    # 40.00 in 3.5 parts: 17.142857.. and 11.428571.. twice: 17.14 + 11.43 + 11.43
    assert split(Decimal("40.00"), members, weights) == {
        "m@x": Decimal("17.14"),
        "dan@x": Decimal("11.43"),
        "eve@x": Decimal("11.43"),
    }


def test_a_trips_own_shares_come_before_the_role_default() -> None:
    members = [CrewMember("m@x", "Mia", "master"), *crew("Dan")]
    weights = weights_for(members, {"dan@x": "2"}, {"master": Decimal("1.5")})
    assert weights == {"m@x": Decimal("1.5"), "dan@x": Decimal(2)}
    assert weights_for(members, {"dan@x": "-1", "m@x": "x"}) == {
        "m@x": Decimal(1),
        "dan@x": Decimal(1),
    }


def test_no_crew_splits_nothing_and_no_tips_give_zero_shares() -> None:
    assert split(Decimal("50"), [], {}) == {}
    assert split(Decimal("0"), crew("Ann"), {}) == {"ann@x": Decimal("0.00")}


def test_the_crew_is_the_departures_when_recorded_else_the_assignment() -> None:
    assigned = [{"email": "Ann@X", "role": "master"}, {"email": "bo@x", "role": "deckhand"}]
    event = {"crew_assigned": assigned}
    assert crew_of(event, {"ann@x": "Ann Lee"}) == [
        CrewMember("ann@x", "Ann Lee", "master"),
        CrewMember("bo@x", "bo@x", "deckhand"),
    ]
    aboard = [{"email": "cy@x", "name": "Cy", "role": "master"}, {"email": "cy@x"}, {}]
    departed = {**event, "departure": {"crew_aboard": aboard}}
    assert crew_of(departed) == [CrewMember("cy@x", "Cy", "master")]
    assert crew_of({**event, "departure": {"crew_aboard": []}})[0].email == "ann@x"
    assert crew_of({}) == []


def test_a_trip_split_pairs_each_member_with_their_share() -> None:
    event = {"crew_assigned": [{"email": "a@x", "role": "master"}, {"email": "b@x"}]}
    shares = trip_split(event, Decimal("60"), {"a@x": "A", "b@x": "B"}, {"master": Decimal(2)})
    assert [(m.name, s) for m, s in shares] == [("A", Decimal("40.00")), ("B", Decimal("20.00"))]


def test_role_shares_are_read_and_bad_ones_named() -> None:
    assert parse_role_shares(" master=1.5, deckhand=1 ") == {
        "master": Decimal("1.5"),
        "deckhand": Decimal(1),
    }
    assert parse_role_shares("") == {}
    for bad in ("captain=2", "master", "master=0", "master=abc", "master=1.555", "master=101"):
        with pytest.raises(ValueError):
            parse_role_shares(bad)
    assert parse_weight("100") == Decimal(100)


names = st.lists(
    st.text(alphabet="abcdefgh", min_size=1, max_size=4), min_size=1, max_size=8, unique=True
)
pools = st.decimals(min_value=0, max_value=100000, places=2)
weight = st.decimals(min_value="0.01", max_value=100, places=2)


@given(names, pools, st.data())
def test_shares_add_up_to_the_pool_to_the_cent_and_none_is_negative(
    people: list[str], pool: Decimal, data: st.DataObject
) -> None:
    members = crew(*people)
    weights = {m.email: data.draw(weight) for m in members}
    shares = split(pool, members, weights)
    assert sum(shares.values()) == pool
    assert all(s >= 0 and s == s.quantize(Decimal("0.01")) for s in shares.values())
    # Deterministic: the same trip in another order splits the same way.
    assert split(pool, list(reversed(members)), weights) == shares


@given(names, pools)
def test_equal_shares_differ_by_at_most_a_cent(people: list[str], pool: Decimal) -> None:
    shares = split(pool, crew(*people), {})
    assert max(shares.values()) - min(shares.values()) <= Decimal("0.01")
    # The extra cents go to the first names.
    ordered = [shares[f"{n.lower()}@x"] for n in sorted(people)]
    assert ordered == sorted(ordered, reverse=True)


def test_trip_shares_are_read_per_member_and_a_trip_without_crew_has_none() -> None:
    from server.domain.forms import FormErrors
    from server.domain.tips import validate_trip_shares

    two = crew("Ann", "Bo")
    form = {"email_0": "ann@x", "share_0": "1.5", "email_1": "bo@x", "share_1": ""}
    assert validate_trip_shares(form, two) == {"ann@x": Decimal("1.5")}
    with pytest.raises(FormErrors) as bad:
        validate_trip_shares({**form, "share_1": "0"}, two)
    assert set(bad.value.errors) == {"share_1"}
    with pytest.raises(FormErrors) as changed:
        validate_trip_shares({**form, "email_1": "cy@x"}, two)
    assert set(changed.value.errors) == {"form"}
    with pytest.raises(FormErrors):
        validate_trip_shares({}, [])


def test_the_crew_skips_odd_entries_and_duplicates_and_keeps_reading() -> None:
    event = {
        "departure": "an old departure without its crew",
        "crew_assigned": ["not a map", {"email": "ann@x"}, {"email": "ANN@x"}, {"email": "bo@x"}],
    }
    assert crew_of(event) == [CrewMember("ann@x", "ann@x", ""), CrewMember("bo@x", "bo@x", "")]


def test_a_weight_that_is_not_positive_counts_as_one_and_a_half_is_kept() -> None:
    two = crew("Ann", "Bo")
    assert weights_for(two, {"ann@x": "0", "bo@x": "0.5"}) == {
        "ann@x": Decimal(1),
        "bo@x": Decimal("0.5"),
    }
    assert weights_for(two, {"ann@x": "-2", "bo@x": "many"}) == {
        "ann@x": Decimal(1),
        "bo@x": Decimal(1),
    }


def test_a_trip_split_follows_the_trips_own_shares() -> None:
    event = {
        "crew_assigned": [{"email": "a@x", "role": "master"}, {"email": "b@x"}],
        "tip_shares": {"b@x": Decimal(3)},
    }
    shares = trip_split(event, Decimal("60"), {"a@x": "A", "b@x": "B"}, {"master": Decimal(1)})
    assert [(m.name, s) for m, s in shares] == [("A", Decimal("15.00")), ("B", Decimal("45.00"))]


def test_a_blank_role_share_is_skipped_and_the_rest_read() -> None:
    assert parse_role_shares("master=2,,deckhand=3") == {
        "master": Decimal(2),
        "deckhand": Decimal(3),
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("captain=2", "'captain=2': write role=weight, the role one of master, deckhand"),
        ("master=1=2", "'1=2' is not a number, like 1 or 1.5"),
        ("master= abc ", "'abc' is not a number, like 1 or 1.5"),
        ("master=0", "'0': a weight is more than 0, at most 100, two decimals"),
    ],
)
def test_a_bad_role_share_is_named_in_its_message(bad: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_role_shares(bad)
    assert str(refused.value) == message


def test_the_per_trip_shares_form_gives_each_message() -> None:
    from server.domain.forms import FormErrors
    from server.domain.tips import validate_trip_shares

    with pytest.raises(FormErrors) as empty:
        validate_trip_shares({}, [])
    assert empty.value.errors == {"form": "This trip has no crew yet: assign its crew first."}
    two = crew("Ann", "Bo")
    form = {"email_0": "cy@x", "share_0": "1", "email_1": "BO@x", "share_1": "0"}
    with pytest.raises(FormErrors) as bad:
        validate_trip_shares(form, two)
    assert bad.value.errors == {
        "form": "The crew of this trip changed: reload the page and try again.",
        "share_1": "Enter a share like 1 or 1.5 (more than 0, at most 100).",
    }
