"""The pay form's tip refusals (issue 28) in the patron's language (issue 30): each of
parse_amount's rules (its AmountError `reason`) has the tip's own wording, in English
and in Spanish, with the limit written for the locale."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.domain.forms import FormErrors
from server.domain.money import AmountError, format_money_in, parse_amount
from server.domain.online import MAX_TIP, TIP_MESSAGES, parse_tip

PRICE = Decimal("1200.00")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "blank"),
        ("-5", "sign"),
        ("0", "sign"),
        ("2.505", "cents"),
        ("lots", "format"),
        ("1" * 13, "too_big"),
        ("100000.01", "too_big"),
    ],
)
def test_each_refusal_of_an_amount_names_its_rule(text: str, reason: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert refused.value.reason == reason
    assert str(refused.value).startswith(("Enter", "The amount", "Use at most"))  # crew's words


@pytest.mark.parametrize(
    ("custom", "english", "spanish"),
    [
        ("", "Enter the tip amount, or choose No tip.", "Escriba la cantidad de la propina"),
        ("-5", "The tip must be more than zero.", "La propina debe ser mayor que cero."),
        ("2.505", "Use at most two decimal places (cents).", "Use como máximo dos decimales"),
        ("lots", "Enter the tip in dollars and cents, like 20 or 25.50.", "Escriba la propina en"),
        ("5000.01", "The tip cannot be more than $5,000.00.", "La propina no puede ser mayor"),
    ],
)
def test_a_refused_custom_tip_is_worded_for_a_tip_in_the_patrons_language(
    custom: str, english: str, spanish: str
) -> None:
    form = {"tip": "custom", "tip_custom": custom}
    with pytest.raises(FormErrors) as in_english:
        parse_tip(form, PRICE)
    assert in_english.value.errors == {"tip_custom": english}
    with pytest.raises(FormErrors) as in_spanish:
        parse_tip(form, PRICE, "es")
    assert in_spanish.value.errors["tip_custom"].startswith(spanish)


def test_the_limit_is_written_for_the_locale_and_an_unoffered_tip_is_refused_in_spanish() -> None:
    with pytest.raises(FormErrors) as too_big:
        parse_tip({"tip": "custom", "tip_custom": "9999"}, PRICE, "es")
    limit = format_money_in(MAX_TIP, "es")
    assert too_big.value.errors == {"tip_custom": f"La propina no puede ser mayor que {limit}."}
    with pytest.raises(FormErrors) as unoffered:
        parse_tip({"tip": "7"}, PRICE, "es")
    assert unoffered.value.errors == {
        "tip": "Elija una de las propinas que se muestran, o ninguna."
    }
    assert set(TIP_MESSAGES) == {"blank", "sign", "cents", "format", "too_big"}
