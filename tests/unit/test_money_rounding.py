"""server/domain/money.py: rounding to cents, the exact messages a crew member reads,
and the text money is shown as. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.money import format_money, money_str, parse_amount, to_money


def test_half_a_cent_rounds_up() -> None:
    assert to_money(Decimal("0.005")) == Decimal("0.01")
    assert to_money("2.665") == Decimal("2.67")  # banker's rounding would give 2.66
    assert to_money(Decimal("0.125")) == Decimal("0.13")


def test_half_a_cent_below_zero_rounds_away_from_zero() -> None:
    assert to_money(Decimal("-0.125")) == Decimal("-0.13")


def test_less_than_half_a_cent_rounds_down() -> None:
    assert to_money("2.6649") == Decimal("2.66")


def test_stored_integers_and_strings_become_cents() -> None:
    assert str(to_money(7)) == "7.00"
    assert str(to_money("40.5")) == "40.50"


def test_shown_money_rounds_half_cents_up_too() -> None:
    assert format_money(Decimal("2.665")) == "$2.67"
    assert money_str(Decimal("0.125")) == "0.13"
    assert format_money(Decimal("-1234.005")) == "-$1,234.01"
    assert format_money(Decimal("0")) == "$0.00"
    assert format_money(Decimal("1234567.8")) == "$1,234,567.80"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the amount."),
        ("-5", "The amount must be more than zero."),
        ("$-5", "The amount must be more than zero."),
        ("0.00", "The amount must be more than zero."),
        ("12.345", "Use at most two decimal places (cents)."),
        ("abc.123", "Use at most two decimal places (cents)."),
        ("abc", "Enter an amount in dollars and cents, like 40 or 1,200.50."),
        ("12.3a", "Enter an amount in dollars and cents, like 40 or 1,200.50."),
        ("100000.01", "The amount cannot be more than $100,000.00."),
        ("1" * 13, "The amount cannot be more than $100,000.00."),
        ("1" * 30, "The amount cannot be more than $100,000.00."),  # past Decimal's context
    ],
)
def test_each_bad_amount_has_its_exact_message(typed: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_amount(typed)
    assert str(refused.value) == message


def test_the_cap_is_the_one_given_and_is_itself_allowed() -> None:
    assert parse_amount("50", maximum=Decimal("50.00")) == Decimal("50.00")
    with pytest.raises(ValueError) as refused:
        parse_amount("50.01", maximum=Decimal("50.00"))
    assert str(refused.value) == "The amount cannot be more than $50.00."


def test_a_twelve_digit_amount_reaches_the_cap_check() -> None:
    assert parse_amount("1" * 12, maximum=Decimal("1" * 13)) == Decimal("1" * 12 + ".00")


def test_a_dollar_sign_with_spaces_is_read() -> None:
    assert parse_amount("$ 5") == Decimal("5.00")


@given(st.integers(min_value=1, max_value=10_000_000))
def test_any_cent_amount_typed_as_shown_reads_back_the_same(cents: int) -> None:
    amount = Decimal(cents) / 100
    assert parse_amount(money_str(amount)) == amount
    assert parse_amount(format_money(amount)) == amount


def test_thirteen_digits_are_refused_whatever_the_cap() -> None:
    with pytest.raises(ValueError) as refused:
        parse_amount("1" * 13, maximum=Decimal("1" * 14))
    assert str(refused.value) == f"The amount cannot be more than ${int('1' * 14):,}.00."
