"""`book_of`: an event item's money, summed from its ledger when the item holds one (the
pages that read it), else from the totals the append answered with (Log Payment, issue
29), so a card never needs the ledger back."""

from __future__ import annotations

from decimal import Decimal

from server.domain.payments import book_of


def test_an_item_with_its_ledger_is_summed_from_the_entries_not_the_kept_totals() -> None:
    item = {
        "total_price": Decimal("300"),
        "payments": [
            {"payment_id": "a", "amount": Decimal("100")},
            {"payment_id": "b", "amount": Decimal("50.25")},
            {"payment_id": "v", "kind": "void", "voids": "b"},
        ],
        "paid_total": Decimal("999"),  # never read when the entries are there
        "payment_count": 7,
    }
    book = book_of(item)
    assert (book.paid, book.payment_count, book.balance_due) == (
        Decimal("100.00"),
        1,
        Decimal("200.00"),
    )
    assert book.totals is None and [p["payment_id"] for p in book.payments] == ["a", "b"]


def test_the_appends_answer_gives_the_card_from_its_totals() -> None:
    book = book_of(
        {"total_price": Decimal("1200"), "paid_total": Decimal("150"), "payment_count": 3}
    )
    assert book.totals == (Decimal("150.00"), 3)
    assert (book.paid, book.payment_count) == (Decimal("150.00"), 3)
    assert book.total == Decimal("1200.00") and book.balance_due == Decimal("1050.00")
    assert book.payments == [] and book.voids == []


def test_kept_totals_are_money_rounded_half_up_and_a_missing_count_is_zero() -> None:
    book = book_of({"total_price": "10.005", "paid_total": "2.005"})
    assert book.totals == (Decimal("2.01"), 0)
    assert book.total == Decimal("10.01") and book.balance_due == Decimal("8.00")
    assert str(book.paid) == "2.01"


def test_an_item_with_neither_ledger_nor_totals_owes_its_price() -> None:
    book = book_of({"total_price": Decimal("80")})
    assert (book.paid, book.payment_count, book.balance_due) == (Decimal("0"), 0, Decimal("80.00"))
    assert book.totals is None


def test_an_item_without_a_price_costs_nothing_either_way() -> None:
    assert book_of({"paid_total": Decimal("5"), "payment_count": 1}).total == Decimal("0.00")
    assert book_of({}).total == Decimal("0.00")
    assert book_of({}).balance_due == Decimal("0.00")
    overpaid = book_of({"paid_total": Decimal("5"), "payment_count": 1})
    assert overpaid.overpaid and overpaid.balance_due == Decimal("-5.00")
