"""Edges of the online payment rules (server/domain/online.py): a second refund after
one that reached into the tip, the largest charge Stripe takes, and each way the pay
form says "no tip"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from server.domain.online import MAX_CENTS, dollars, parse_tip, refund_split

PAID = {"payment_id": "p", "kind": "payment", "amount": Decimal("500"), "tip": Decimal("50")}


def test_a_refund_after_one_that_took_part_of_the_tip_is_the_rest_of_the_tip() -> None:
    # 520 back first: the whole fare and 20 of the tip.
    first: dict[str, Any] = {"payment_id": "r1", "kind": "refund", "refunds": "p"}
    first.update(amount=Decimal("500"), tip=Decimal("20"))
    ledger = [PAID, first]
    assert refund_split(PAID, ledger, Decimal("30")) == (Decimal("0"), Decimal("30"))


def test_the_largest_charge_is_one_cent_under_stripes_limit() -> None:
    assert dollars(MAX_CENTS - 1) == Decimal("999999.99")
    with pytest.raises(ValueError, match=r"^not an amount of cents: '100000000'$"):
        dollars(MAX_CENTS)


@pytest.mark.parametrize("choice", ["", "0", "none"])
def test_each_way_of_saying_no_tip_is_no_tip(choice: str) -> None:
    assert parse_tip({"tip": choice}, Decimal("1200")) == Decimal("0")


def test_a_refund_recorded_before_the_split_counts_whole_as_fare() -> None:
    # Refund entries written before refunds were split have no `tip`.
    old = {"payment_id": "r0", "kind": "refund", "refunds": "p", "amount": Decimal("499")}
    assert refund_split(PAID, [PAID, old], Decimal("10")) == (Decimal("1"), Decimal("9"))


def test_a_refund_of_a_payment_the_ledger_does_not_hold_is_all_fare() -> None:
    assert refund_split({}, [PAID], Decimal("10")) == (Decimal("10"), Decimal("0"))
