from decimal import Decimal
from typing import Any

import pytest

from server.domain.money import format_money, money_str, parse_amount
from server.domain.payments import ledger


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("40", "40.00"),
        ("$40", "40.00"),
        ("  40.5 ", "40.50"),
        ("1,200.50", "1200.50"),
        ("$ 1,200", "1200.00"),
        ("0.01", "0.01"),
        (".99", "0.99"),
        ("100000", "100000.00"),
        ("100,000.00", "100000.00"),
    ],
)
def test_amounts_are_normalised(typed: str, expected: str) -> None:
    amount = parse_amount(typed)
    assert isinstance(amount, Decimal)
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the amount"),
        ("   ", "Enter the amount"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("-5", "more than zero"),
        ("$-5", "more than zero"),
        ("1e3", "dollars and cents"),
        ("NaN", "dollars and cents"),
        ("Infinity", "dollars and cents"),
        ("-Infinity", "more than zero"),
        ("12.345", "two decimal places"),
        ("abc", "dollars and cents"),
        ("12,34", "dollars and cents"),
        ("1,2000", "dollars and cents"),
        ("40.", "dollars and cents"),
        ("$", "dollars and cents"),
        ("100000.01", r"cannot be more than \$100,000.00"),
        ("1000000", "cannot be more than"),
        ("４０", "dollars and cents"),  # full-width digits
    ],
)
def test_bad_amounts_are_refused_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(typed)


def test_money_formats() -> None:
    assert format_money(Decimal("1200.5")) == "$1,200.50"
    assert format_money(Decimal("-40")) == "-$40.00"
    assert money_str(Decimal("7")) == "7.00"


def test_balance_arithmetic_counts_payments_and_ignores_voided_ones() -> None:
    entries: list[dict[str, Any]] = [
        {"payment_id": "a", "kind": "payment", "amount": Decimal("400.10")},
        {"payment_id": "b", "amount": Decimal("0.20")},  # legacy entry without kind
        {"payment_id": "c", "kind": "payment", "amount": Decimal("99.99")},
        {"payment_id": "v", "kind": "void", "voids": "c", "reason": "typo"},
    ]
    book = ledger(Decimal("1200"), entries)
    assert book.paid == Decimal("400.30")
    assert book.balance_due == Decimal("799.70")
    assert book.payment_count == 2
    assert book.voided_ids == {"c"}
    assert not book.overpaid


def test_overpayment_is_a_negative_balance() -> None:
    book = ledger("100.00", [{"payment_id": "a", "amount": Decimal("120.00")}])
    assert book.balance_due == Decimal("-20.00")
    assert book.overpaid


def test_cents_add_up_exactly() -> None:
    book = ledger("1", [{"payment_id": str(i), "amount": Decimal("0.10")} for i in range(10)])
    assert book.paid == Decimal("1.00") and book.balance_due == Decimal("0.00")
