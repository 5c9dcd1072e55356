"""server/domain/payments.py: what a valid Log Payment is, replay versus 409, the balance
a form showed, why an append was refused, and what a ledger adds up to. Pure: no store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.domain.forms import FormErrors
from server.domain.payments import (
    MAX_NOTE,
    Ledger,
    PaymentRequest,
    Refusal,
    entry_bytes,
    is_void,
    ledger,
    over_balance,
    parse_payment_id,
    validate_payment,
    validate_void_reason,
    why_refused,
)

KEY = "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11"


def form(**overrides: str) -> dict[str, object]:
    values: dict[str, object] = {"payment_id": KEY, "amount": "40", "method": "cash", "note": ""}
    values.update(overrides)
    return values


def request(**overrides: object) -> PaymentRequest:
    values: dict[str, object] = {
        "payment_id": KEY,
        "amount": Decimal("40.00"),
        "method": "card",
        "note": "deposit",
    }
    values.update(overrides)
    return PaymentRequest(**values)  # type: ignore[arg-type]


def refused(values: dict[str, object]) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        validate_payment(values)
    return caught.value.errors


# validate_payment


def test_a_valid_payment_is_read_with_a_canonical_key_and_a_decimal_amount() -> None:
    valid = validate_payment(
        form(payment_id=f"  {KEY.upper()} ", amount="$1,200.50", method="check", note=" a\nb ")
    )
    assert valid == PaymentRequest(
        payment_id=KEY, amount=Decimal("1200.50"), method="check", note="a\nb"
    )


@pytest.mark.parametrize("method", ["cash", "card", "check"])
def test_each_method_is_accepted(method: str) -> None:
    assert validate_payment(form(method=method)).method == method


def test_every_bad_field_gets_its_own_message_at_once() -> None:
    errors = refused(form(payment_id="nope", amount="", method="bitcoin", note="x" * 501))
    assert errors == {
        "form": "This form is missing its payment key. Reload the page and try again.",
        "amount": "Enter the amount.",
        "method": "Choose cash, card or check.",
        "note": "Keep the note to 500 characters (it has 501).",
    }


def test_a_missing_method_and_a_capital_method_are_refused() -> None:
    assert refused(form(method="")) == {"method": "Choose cash, card or check."}
    assert refused(form(method="Cash")) == {"method": "Choose cash, card or check."}


def test_the_amount_message_is_the_parsers() -> None:
    assert refused(form(amount="0")) == {"amount": "The amount must be more than zero."}


def test_a_note_of_exactly_the_limit_is_kept() -> None:
    assert validate_payment(form(note="n" * MAX_NOTE)).note == "n" * MAX_NOTE


def test_a_missing_key_is_refused_alone() -> None:
    values = form()
    del values["payment_id"]
    assert refused(values) == {
        "form": "This form is missing its payment key. Reload the page and try again."
    }


def test_a_payment_key_is_any_uuid_in_lower_case() -> None:
    assert parse_payment_id(f" {KEY.upper()}\n") == KEY
    with pytest.raises(FormErrors) as caught:
        parse_payment_id("")
    assert caught.value.errors == {
        "form": "This form is missing its payment key. Reload the page and try again."
    }


# the entry, replay or 409


def test_the_entry_carries_the_request_and_who_logged_it() -> None:
    assert request().entry("pat@x", "Pat", "2026-07-04T17:00:00Z") == {
        "payment_id": KEY,
        "kind": "payment",
        "amount": Decimal("40.00"),
        "tip": Decimal("0.00"),  # issue 27: every new entry says its tip, 0.00 for none
        "method": "card",
        "note": "deposit",
        "logged_by": "pat@x",
        "logged_by_name": "Pat",
        "logged_at": "2026-07-04T17:00:00Z",
    }


def test_a_replay_with_the_same_key_and_body_finds_the_stored_entry() -> None:
    stored = request().entry("pat@x", "Pat", "t")
    other = {**stored, "payment_id": "another"}
    item = {"payments": [other, stored]}
    assert request().replay_of(item) is stored


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Decimal("41.00")},
        {"method": "cash"},
        {"note": "balance"},
        {"tip": Decimal("0.01")},
    ],
)
def test_the_same_key_with_another_body_is_not_a_replay(change: dict[str, object]) -> None:
    stored = request().entry("pat@x", "Pat", "t")
    assert request(**change).replay_of({"payments": [stored]}) is None
    assert not request(**change).same_body_as(stored)


def test_no_stored_entry_with_the_key_is_not_a_replay() -> None:
    assert request().replay_of({"payments": [{"payment_id": "x", "amount": 40}]}) is None
    assert request().replay_of({}) is None


def test_the_same_body_compares_amounts_as_money_and_reads_older_entries() -> None:
    older = {"payment_id": KEY, "amount": Decimal("40"), "method": "card", "note": "deposit"}
    assert request().same_body_as(older)  # no kind: a payment; 40 == 40.00
    assert request(note="").same_body_as({"amount": 40, "method": "card"})  # no note: ""
    assert not request().same_body_as({**older, "kind": "void"})
    assert not request().same_body_as({"method": "card", "note": "deposit"})  # no amount: 0
    assert request(amount=Decimal("0.00")).same_body_as({"method": "card", "note": "deposit"})


# the balance the form showed


def test_an_amount_past_the_shown_balance_is_over_by_the_difference() -> None:
    assert over_balance({"balance_due": "40.00"}, Decimal("50.00")) == Decimal("10.00")


def test_an_amount_within_or_equal_to_the_balance_is_not_over() -> None:
    assert over_balance({"balance_due": "40.00"}, Decimal("40.00")) is None
    assert over_balance({"balance_due": "40.00"}, Decimal("39.99")) is None
    assert over_balance({"balance_due": "40.00"}, Decimal("40.01")) == Decimal("0.01")


def test_an_overpaid_event_counts_every_cent_as_over() -> None:
    assert over_balance({"balance_due": "-5.00"}, Decimal("10.00")) == Decimal("10.00")


def test_a_confirmed_amount_is_not_asked_again_but_another_amount_is() -> None:
    shown = {"balance_due": "40.00", "confirm_over": "50.00"}
    assert over_balance(shown, Decimal("50.00")) is None
    assert over_balance(shown, Decimal("60.00")) == Decimal("20.00")


@pytest.mark.parametrize("shown", [None, "", "40", "40.0", "abc", "1234567890123.00", "+4.00"])
def test_a_form_without_a_balance_we_wrote_is_never_asked(shown: str | None) -> None:
    values = {} if shown is None else {"balance_due": shown}
    assert over_balance(values, Decimal("99999.00")) is None


def test_a_twelve_digit_balance_is_read() -> None:
    assert over_balance({"balance_due": "100000000000.00"}, Decimal("100000000001.00")) == Decimal(
        "1.00"
    )


# voids


def test_a_void_needs_a_reason_of_at_most_the_limit() -> None:
    assert validate_void_reason({"reason": "  typed twice "}) == "typed twice"
    assert validate_void_reason({"reason": "r" * MAX_NOTE}) == "r" * MAX_NOTE
    with pytest.raises(FormErrors) as empty:
        validate_void_reason({"reason": "  "})
    assert empty.value.errors == {"reason": "Say why this payment is voided."}
    # A longer reason is cut to the limit by the form reader (MAX_LINE is MAX_NOTE).
    assert validate_void_reason({"reason": "r" * (MAX_NOTE + 1)}) == "r" * MAX_NOTE


# why an append was refused


PAYMENT = {"payment_id": "p2", "kind": "payment", "amount": Decimal("5.00")}
VOID = {"payment_id": "v1", "kind": "void", "voids": "p1"}
HELD = {"payment_ids": {"p1"}, "payments": [{"payment_id": "p1"}], "ledger_bytes": 100}


def test_a_missing_event_or_its_redirect_stub_is_missing() -> None:
    assert why_refused(None, "p2", PAYMENT, 10, 1000) is Refusal.MISSING
    assert why_refused({"moved_to": "x"}, "p2", PAYMENT, 10, 1000) is Refusal.MISSING


@pytest.mark.parametrize("mark", ["renaming_to", "renaming_from"])
def test_an_event_being_renamed_refuses(mark: str) -> None:
    assert why_refused({**HELD, mark: "x"}, "p2", PAYMENT, 10, 1000) is Refusal.RENAMING


def test_a_stored_key_is_a_duplicate_even_on_a_cancelled_event() -> None:
    item = {**HELD, "status": "cancelled"}
    assert why_refused(item, "p1", PAYMENT, 10, 1000) is Refusal.DUPLICATE


def test_a_void_of_a_payment_not_held_or_already_voided() -> None:
    assert why_refused({}, "v1", VOID, 10, 1000) is Refusal.UNKNOWN_TARGET
    assert why_refused({**HELD, "voided_ids": {"p1"}}, "v1", VOID, 10, 1000) is (
        Refusal.ALREADY_VOIDED
    )


def test_a_void_of_a_void_is_not_a_payment_before_already_voided() -> None:
    # a void's id is in payment_ids too; void_ids (or the ledger itself) says it is a void
    item = {
        "payment_ids": {"p1", "v1"},
        "void_ids": {"v1"},
        "voided_ids": {"p1", "v1"},
        "payments": [{"payment_id": "p1"}],
    }
    again = {"payment_id": "v2", "kind": "void", "voids": "v1"}
    assert why_refused(item, "v2", again, 10, 1000) is Refusal.NOT_A_PAYMENT
    legacy = {"payment_ids": {"p1", "v1"}, "payments": [{"payment_id": "p1"}, VOID]}
    assert why_refused(legacy, "v2", again, 10, 1000) is Refusal.NOT_A_PAYMENT
    assert why_refused(legacy, "v3", VOID, 10, 1000) is Refusal.CONFLICT  # p1 is a payment


def test_an_entry_is_a_void_by_void_ids_or_by_its_kind_in_the_ledger() -> None:
    assert is_void({"void_ids": {"v1"}}, "v1") is True
    assert is_void({"void_ids": {"v1"}}, "p1") is False
    assert is_void({"payments": [VOID]}, "v1") is True
    assert is_void({"payments": [VOID]}, "p1") is False  # what it voids is no void
    assert is_void({"payments": [{"payment_id": "v1", "kind": "payment"}]}, "v1") is False
    assert is_void({"payments": [{"payment_id": "v1"}]}, "v1") is False  # no kind: a payment
    assert is_void({"payments": [{"payment_id": "p0"}, VOID]}, "v1") is True
    assert is_void({}, "v1") is False


def test_a_payment_on_a_cancelled_event_is_refused_but_a_void_is_not() -> None:
    cancelled = {**HELD, "status": "cancelled"}
    assert why_refused(cancelled, "p2", PAYMENT, 10, 1000) is Refusal.CANCELLED
    assert why_refused(cancelled, "v1", VOID, 10, 1000) is Refusal.CONFLICT


def test_a_ledger_at_the_entry_cap_is_full_and_one_below_is_not() -> None:
    assert why_refused(HELD, "p2", PAYMENT, 1, 1000) is Refusal.FULL
    assert why_refused(HELD, "p2", PAYMENT, 2, 1000) is Refusal.CONFLICT
    assert why_refused({}, "p2", PAYMENT, 0, 1000) is Refusal.FULL
    assert why_refused({}, "p2", PAYMENT, 1, 1000) is Refusal.CONFLICT


def test_a_ledger_past_its_byte_room_is_full_and_at_it_is_not() -> None:
    assert why_refused(HELD, "p2", PAYMENT, 10, 99) is Refusal.FULL
    assert why_refused(HELD, "p2", PAYMENT, 10, 100) is Refusal.CONFLICT
    assert why_refused({}, "p2", PAYMENT, 10, -1) is Refusal.FULL
    assert why_refused({}, "p2", PAYMENT, 10, 0) is Refusal.CONFLICT


def test_a_void_passing_every_check_is_a_conflict() -> None:
    assert why_refused(HELD, "v1", VOID, 10, 1000) is Refusal.CONFLICT


def test_refusals_have_stable_names() -> None:
    assert [r.value for r in Refusal] == [
        "missing",
        "renaming",
        "duplicate",
        "unknown_target",
        "already_voided",
        "not_a_payment",
        "cancelled",
        "full",
        "conflict",
    ]


# the byte estimate and the ledger


def test_an_entry_is_estimated_from_its_names_values_and_id() -> None:
    # "payment_id"+"abc"+3 = 16, "amount"+"5.00"+3 = 13, then the id 3 and 16 overhead
    assert entry_bytes({"payment_id": "abc", "amount": Decimal("5.00")}) == 48
    assert entry_bytes({"note": "é"}) == 4 + 2 + 3 + 0 + 16  # UTF-8 bytes, no id
    assert entry_bytes({}) == 16


def test_a_ledger_counts_payments_in_order_and_leaves_out_voided_ones() -> None:
    book = ledger(
        "100",
        [
            {"payment_id": "a", "amount": Decimal("30"), "logged_by": "pat@x"},
            {"payment_id": "b", "kind": "payment", "amount": "20.005", "logged_by_name": "Sam"},
            {"payment_id": "c", "kind": "payment", "amount": 10},
            {"payment_id": "v", "kind": "void", "voids": "c", "reason": "twice"},
        ],
    )
    assert book.total == Decimal("100.00")
    assert [p["payment_id"] for p in book.payments] == ["a", "b", "c"]
    assert [v["payment_id"] for v in book.voids] == ["v"]
    assert book.voided_ids == {"c"}
    assert [p["payment_id"] for p in book.counted] == ["a", "b"]
    assert book.paid == Decimal("50.01")
    assert book.balance_due == Decimal("49.99")
    assert book.payment_count == 2
    assert not book.overpaid


def test_older_entries_get_every_field_a_page_reads() -> None:
    (entry,) = ledger(0, [{"payment_id": "a", "logged_by": "pat@x"}]).payments
    assert entry == {
        "payment_id": "a",
        "amount": Decimal("0.00"),
        "tip": Decimal("0.00"),  # issue 27: entries before tips have none
        "method": "",
        "note": "",
        "logged_by": "pat@x",
        "logged_by_name": "pat@x",
        "logged_at": "",
        "voids": "",
        "reason": "",
    }
    (named,) = ledger(0, [{"logged_by": "pat@x", "logged_by_name": "Pat"}]).payments
    assert named["logged_by_name"] == "Pat"


def test_a_ledger_paid_exactly_is_not_overpaid_and_one_cent_more_is() -> None:
    exact = ledger("40", [{"payment_id": "a", "amount": "40.00"}])
    assert exact.balance_due == Decimal("0.00") and not exact.overpaid
    over = ledger("40", [{"payment_id": "a", "amount": "40.01"}])
    assert over.balance_due == Decimal("-0.01") and over.overpaid


def test_an_empty_ledger_owes_its_total() -> None:
    empty = Ledger(total=Decimal("12.345"))
    assert empty.paid == Decimal("0.00") and empty.payment_count == 0
    assert empty.balance_due == Decimal("12.35")  # the total is rounded half up to cents
    assert empty.voided_ids == set() and empty.counted == []


# tips (issue 27)


def test_a_tip_is_read_by_the_amount_rule_and_blank_is_no_tip() -> None:
    assert validate_payment(form(amount="200", tip="$40")).tip == Decimal("40.00")
    assert validate_payment(form(amount="200", tip="1,040.5")).tip == Decimal("1040.50")
    assert validate_payment(form(amount="200", tip="  ")).tip == Decimal("0.00")
    assert validate_payment(form(amount="200")).tip == Decimal("0.00")  # no field at all
    assert validate_payment(form(amount="200", tip="0")).tip == Decimal("0.00")


@pytest.mark.parametrize(
    ("tip", "message"),
    [
        ("abc", "Enter a tip in dollars and cents, like 40 or 1,200.50."),
        ("-5", "The tip must be more than zero."),
        ("4.005", "Use at most two decimal places (cents)."),
        ("100000.01", "The tip cannot be more than $100,000.00."),
    ],
)
def test_a_bad_tip_gets_its_own_message_beside_the_amount(tip: str, message: str) -> None:
    assert refused(form(tip=tip)) == {"tip": message}


def test_a_payment_may_be_a_tip_alone_but_not_nothing() -> None:
    alone = validate_payment(form(amount="0", tip="60"))
    assert (alone.amount, alone.tip) == (Decimal("0.00"), Decimal("60.00"))
    assert refused(form(amount="0")) == {"amount": "The amount must be more than zero."}
    assert refused(form(amount="0", tip="0")) == {"amount": "The amount must be more than zero."}
    assert refused(form(amount="", tip="60")) == {"amount": "Enter the amount."}


def test_the_entry_and_the_replay_carry_the_tip() -> None:
    tipped = request(tip=Decimal("40.00"))
    stored = tipped.entry("pat@x", "Pat", "t")
    assert stored["tip"] == Decimal("40.00")
    assert tipped.replay_of({"payments": [stored]}) is stored
    assert request().replay_of({"payments": [stored]}) is None  # same key, no tip: 409
    older = {"payment_id": KEY, "amount": 40, "method": "card", "note": "deposit"}
    assert request().same_body_as(older) and not tipped.same_body_as(older)


def test_tips_never_count_toward_paid_or_the_balance_and_voids_take_them_off() -> None:
    book = ledger(
        "100",
        [
            {"payment_id": "a", "amount": Decimal("60"), "tip": Decimal("15")},
            {"payment_id": "b", "amount": Decimal("0"), "tip": Decimal("20")},
            {"payment_id": "c", "amount": Decimal("10")},  # before tips: none
            {"payment_id": "v", "kind": "void", "voids": "a", "reason": "typo"},
        ],
    )
    assert (book.paid, book.tips, book.balance_due) == (
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("90.00"),
    )
    assert book.payment_count == 2


def test_the_tip_never_makes_an_amount_over_the_balance() -> None:
    # over_balance is asked with the amount alone: a $40 tip on the exact balance is fine
    assert validate_payment(form(amount="200", tip="40", balance_due="200.00")).amount == 200
    assert over_balance({"balance_due": "200.00"}, Decimal("200.00")) is None
