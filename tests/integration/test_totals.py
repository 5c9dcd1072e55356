"""Issue 29: the running totals the append keeps (paid_total, payment_count), voids
taking the amount off, items written before the totals, and `scc db backfill-totals`,
against dynalite."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from server.__main__ import main
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES, ledger
from server.domain.records import Event
from server.store import Store
from server.store.events import AppendRefused
from server.store.totals import backfill
from tests.conftest import HX, JSON, add_event, sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import checked_in_trip, depart, depart_form, pay


def _entry(amount: str, payment_id: str | None = None) -> dict[str, Any]:
    return {
        "payment_id": payment_id or str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal(amount),
        "method": "cash",
        "note": "",
        "logged_by": "crew@example.com",
        "logged_by_name": "Pat",
        "logged_at": "2026-01-01T10:00:00Z",
    }


def _pay(store: Store, event_id: str, amount: str) -> Event:
    return store.events.append_payment(event_id, _entry(amount), MAX_ENTRIES, MAX_LEDGER_BYTES)


def _void(store: Store, event_id: str, target: str) -> None:
    entry = {
        "payment_id": str(uuid.uuid4()),
        "kind": "void",
        "voids": target,
        "reason": "typo",
        "logged_by": "cap@example.com",
        "logged_by_name": "Cap",
        "logged_at": "2026-01-01T11:00:00Z",
    }
    store.events.append_void(event_id, entry, MAX_ENTRIES + 50, MAX_LEDGER_BYTES + 50_000)


def _true_totals(item: Event) -> tuple[Decimal, int]:
    book = ledger(item.get("total_price", 0), item["payments"])
    return book.paid, book.payment_count


def _legacy(store: Store, payments: list[dict[str, Any]]) -> str:
    """An event as stored before the totals: payments, no marker, written directly."""
    event_id = add_event(store)["event_id"]
    stored = store.events.get(event_id)
    assert stored is not None
    item: dict[str, Any] = dict(stored)  # raw: written directly, the store's way bypassed
    for name in ("totals", "paid_total", "payment_count"):
        item.pop(name)
    item.update(payments=payments, payment_ids={p["payment_id"] for p in payments})
    store.events.table.put_item(Item=item)
    return str(event_id)


def test_the_answer_is_the_card_and_totals_and_the_stored_totals_stay_true(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    answers = [_pay(store, event_id, amount) for amount in ("100.00", "250.50", "0.25")]
    last = answers[-1]
    assert "payments" not in last and "payment_ids" not in last
    assert (last["paid_total"], last["payment_count"]) == (Decimal("350.75"), 3)
    assert last["patron_first_name"] == "Alice" and last["total_price"] == Decimal("1200.00")
    assert last["appended"]["amount"] == Decimal("0.25")
    stored = store.events.get(event_id)
    assert stored is not None
    assert (stored["paid_total"], stored["payment_count"]) == _true_totals(stored)
    assert [p["amount"] for p in stored["payments"]] == [
        Decimal("100.00"),
        Decimal("250.50"),
        Decimal("0.25"),
    ]


def test_an_optional_card_field_left_out_reads_as_blank_and_nothing_else_is_written(
    store: Store,
) -> None:
    event_id = add_event(store, period="", boat="")["event_id"]
    before = store.events.get(event_id)
    assert before is not None and "period" not in before and "departure" not in before
    answer = _pay(store, event_id, "10")
    assert answer["period"] == ""
    after = store.events.get(event_id)
    assert after is not None and after["period"] == "" and "departure" not in after


def test_a_void_takes_its_payment_off_the_totals(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    kept = _pay(store, event_id, "100")
    voided = _pay(store, event_id, "40")
    _void(store, event_id, voided["appended"]["payment_id"])
    stored = store.events.get(event_id)
    assert stored is not None
    assert (stored["paid_total"], stored["payment_count"]) == (Decimal(100), 1)
    assert _true_totals(stored) == (Decimal(100), 1)
    assert _pay(store, event_id, "5")["paid_total"] == Decimal(105)
    # The same void again, or a void of a void: refused, totals untouched.
    with pytest.raises(AppendRefused):
        _void(store, event_id, voided["appended"]["payment_id"])
    assert kept["payment_count"] == 1
    again = store.events.get(event_id)
    assert again is not None and again["paid_total"] == Decimal(105)


def test_the_exactly_once_replay_and_the_cap_still_hold(store: Store) -> None:
    event_id = add_event(store)["event_id"]
    entry = _entry("30")
    store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
    with pytest.raises(AppendRefused) as refused:
        store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
    assert refused.value.reason == "duplicate" and refused.value.item is not None
    with pytest.raises(AppendRefused) as full:
        store.events.append_payment(event_id, _entry("1"), 1, MAX_LEDGER_BYTES)
    assert full.value.reason == "full"
    stored = store.events.get(event_id)
    assert stored is not None and (stored["paid_total"], stored["payment_count"]) == (
        Decimal(30),
        1,
    )


def test_a_legacy_item_is_appended_whole_until_backfilled_then_by_totals(store: Store) -> None:
    old = [_entry("100"), _entry("20")]
    event_id = _legacy(store, old)
    answer = _pay(store, event_id, "5")
    assert len(answer["payments"]) == 3  # the old append: the whole item
    assert "totals" not in answer
    lines: list[str] = []
    items = store.events.scan_all()
    assert backfill(store.events.table, items, store.events.get, lines.append) == 1
    assert lines == [f"{event_id}: 3 payments, 125.00 paid"]
    stored = store.events.get(event_id)
    assert stored is not None and stored["totals"] == 1
    assert (stored["paid_total"], stored["payment_count"]) == (Decimal(125), 3)
    fast = _pay(store, event_id, "1")
    assert "payments" not in fast and fast["paid_total"] == Decimal(126)
    # Run again: nothing left to do.
    assert backfill(store.events.table, store.events.scan_all(), store.events.get, print) == 0


def test_the_backfill_cannot_lose_a_payment_logged_after_its_read(store: Store) -> None:
    event_id = _legacy(store, [_entry("100")])
    stale = store.events.scan_all()  # the backfill's read
    _pay(store, event_id, "7")  # a payment lands before its write (legacy append)
    _void(store, event_id, stale[0]["payments"][0]["payment_id"])  # and a void
    assert backfill(store.events.table, stale, store.events.get, lambda _: None) == 1
    stored = store.events.get(event_id)
    assert stored is not None
    assert (stored["paid_total"], stored["payment_count"]) == (Decimal(7), 1)
    assert _true_totals(stored) == (Decimal(7), 1)


def test_scc_db_backfill_totals(store: Store, cli_env: None, capsys: Any) -> None:
    event_id = _legacy(store, [_entry("12.50")])
    assert main(["db", "backfill-totals"]) == 0
    out = capsys.readouterr().out
    assert f"{event_id}: 1 payments, 12.50 paid" in out
    assert "backfill-totals: 1 event(s)" in out
    stored = store.events.get(event_id)
    assert stored is not None and stored["paid_total"] == Decimal("12.50")


def test_the_htmx_answer_keeps_the_float_plan_on_the_page(client: Any, store: Store) -> None:
    """The answer's card is built without the float plan (not echoed by the append):
    it keeps the one on the page, and the dashboard still reads and shows it."""
    token = sign_in(client, store)
    event_id = checked_in_trip(client, store)
    form = depart_form(client, event_id)
    back_by = datetime.now(store.settings.timezone) + timedelta(hours=2)
    form["expected_back"] = back_by.strftime("%H:%M")
    assert depart(client, event_id, form).status_code == 303
    data = {"payment_id": str(uuid.uuid4()), "amount": "5", "method": "cash", "csrf_token": token}
    answer = client.post(f"/api/events/{event_id}/payment", data=data, headers=HX)
    assert answer.status_code == 200
    assert f'<div class="float-plan" id="float-{event_id}" data-hx-preserve="true"></div>' in (
        answer.text
    )
    assert "Not departed" not in answer.text and "$5.00" in answer.text
    assert "Out · back by" in client.get("/dispatch").text


def test_each_payment_email_says_what_was_paid_after_it(
    mail_client: Any, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store, total_price="100")
    token = sign_in(mail_client, mail_store)
    for amount in ("40", "25.50"):
        assert pay(mail_client, event["event_id"], token, JSON, amount=amount).status_code == 201
    second = text_of(gmail.messages[1])
    assert "Paid so far: $65.50" in second and "Balance due: $34.50" in second
