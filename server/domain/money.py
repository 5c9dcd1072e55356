"""Money: `Decimal` quantized to cents, parsed strictly from what crew type.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_PAYMENT = Decimal("100000.00")

# The one amount rule, shared with the browser: digits with optional thousands
# separators and at most two decimals, an optional `$`, spaces around (no exponents, no
# signs, no NaN or Infinity). The same text is the Log Payment input's `pattern` (the
# template global `amount_pattern`) and what static/offline.js checks a kept payment
# with, so it is written in the syntax both Python's `re` and JavaScript's `v`-flag
# regular expressions read alike (tests/test_money.py runs it through node).
AMOUNT_PATTERN = r"\s*\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d{1,2})?\s*"
_AMOUNT = re.compile(AMOUNT_PATTERN, re.ASCII)  # used whole: fullmatch, as a pattern is
_HAS_DIGIT = re.compile(r"\d")


class AmountError(ValueError):
    """parse_amount's refusal: its English message (for crew), and which rule the text
    broke (`reason`: blank, sign, format, cents, too_big), for a caller that words the
    refusal its own way (the patron's tip, in the patron's language)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_amount(text: str, maximum: Decimal = MAX_PAYMENT, *, zero_ok: bool = False) -> Decimal:
    """Parse `40`, `$40`, ` 1,200.50 ` into Decimal('1200.50'); raise ValueError with a
    message a crew member can act on for anything else. `zero_ok`: 0 is read as 0.00
    (a payment that is a tip alone; validate_payment decides whether that is allowed)."""
    cleaned = text.strip()
    if not cleaned:
        raise AmountError("Enter the amount.", "blank")
    if cleaned.startswith("-") or cleaned.startswith("$-"):
        raise AmountError("The amount must be more than zero.", "sign")
    if not _AMOUNT.fullmatch(cleaned) or not _HAS_DIGIT.search(cleaned):
        if re.search(r"\.\d{3,}$", cleaned):
            raise AmountError("Use at most two decimal places (cents).", "cents")
        raise AmountError("Enter an amount in dollars and cents, like 40 or 1,200.50.", "format")
    digits = cleaned.lstrip("$").strip().replace(",", "")
    if len(digits.split(".")[0]) > 12:  # far past any cap; Decimal's context would overflow
        raise AmountError(f"The amount cannot be more than {format_money(maximum)}.", "too_big")
    amount = Decimal(digits).quantize(CENT)
    if amount < ZERO or (amount == ZERO and not zero_ok):
        raise AmountError("The amount must be more than zero.", "sign")
    if amount > maximum:
        raise AmountError(f"The amount cannot be more than {format_money(maximum)}.", "too_big")
    return amount


def parse_tip(text: str, maximum: Decimal = MAX_PAYMENT) -> Decimal:
    """An optional tip: blank is no tip (0.00); anything else follows the amount's rule
    (the same AMOUNT_PATTERN), with the tip's own wording."""
    if not text.strip():
        return ZERO
    try:
        return parse_amount(text, maximum, zero_ok=True)
    except ValueError as exc:
        raise ValueError(
            str(exc).replace("The amount", "The tip").replace("an amount", "a tip")
        ) from None


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize a stored number (DynamoDB gives exact Decimals) to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """`$1,200.50` for people; negative amounts keep their sign."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(to_money(amount)):,.2f}"


def money_str(amount: Decimal) -> str:
    """`1200.50` for JSON, CSV and form values: a string with exactly two decimals."""
    return f"{to_money(amount):.2f}"


def format_money_in(amount: Decimal, language: str) -> str:
    """`format_money` in the patron's language, by Babel (`1.200,50 US$` where a locale
    writes it so); English stays `$1,200.50`."""
    if language == "en":
        return format_money(amount)
    from babel.numbers import format_currency

    from server.domain.languages import babel_locale

    return format_currency(to_money(amount), "USD", locale=babel_locale(language))
