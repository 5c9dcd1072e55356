"""Money: `Decimal` quantized to cents, parsed strictly from what crew type.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_PAYMENT = Decimal("100000.00")

# Digits with optional thousands separators and at most two decimals: no exponents,
# no signs, no NaN or Infinity can get through this.
_AMOUNT = re.compile(r"^\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d{1,2})?$", re.ASCII)
_HAS_DIGIT = re.compile(r"\d")


def parse_amount(text: str, maximum: Decimal = MAX_PAYMENT) -> Decimal:
    """Parse `40`, `$40`, ` 1,200.50 ` into Decimal('1200.50'); raise ValueError with a
    message a crew member can act on for anything else."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("Enter the amount.")
    if cleaned.startswith("-") or cleaned.startswith("$-"):
        raise ValueError("The amount must be more than zero.")
    if not _AMOUNT.match(cleaned) or not _HAS_DIGIT.search(cleaned):
        if re.search(r"\.\d{3,}$", cleaned):
            raise ValueError("Use at most two decimal places (cents).")
        raise ValueError("Enter an amount in dollars and cents, like 40 or 1,200.50.")
    digits = cleaned.lstrip("$").strip().replace(",", "")
    if len(digits.split(".")[0]) > 12:  # far past any cap; Decimal's context would overflow
        raise ValueError(f"The amount cannot be more than {format_money(maximum)}.")
    amount = Decimal(digits).quantize(CENT)
    if amount <= ZERO:
        raise ValueError("The amount must be more than zero.")
    if amount > maximum:
        raise ValueError(f"The amount cannot be more than {format_money(maximum)}.")
    return amount


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize a stored number (DynamoDB gives exact Decimals) to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """`$1,200.50` for people; negative amounts keep their sign."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(to_money(amount)):,.2f}"


def money_str(amount: Decimal) -> str:
    """`1200.50` for JSON and CSV: a string with exactly two decimals."""
    return f"{to_money(amount):.2f}"
