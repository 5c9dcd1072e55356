"""Issue 27 item 6: a tip logged with a payment (or alone), against dynalite: never part
of the price or the balance, kept in `tips_total` by the append's one UpdateItem, stored
once on a replay, a 409 for the same key with another tip, voided with its payment."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from server.store import Store
from tests.conftest import HX, JSON, add_event, add_user, sign_in
from tests.helpers.flows import pay


@pytest.fixture
def crew(client: TestClient, store: Store) -> str:
    return sign_in(client, store, role="crew")


def test_a_tip_is_stored_with_the_payment_and_never_counts_as_paid(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="200")
    answer = pay(client, event["event_id"], crew, headers=JSON, amount="200", tip="40")
    assert answer.status_code == 201
    body = answer.json()
    assert (body["paid"], body["balance_due"], body["tips"]) == ("200.00", "0.00", "40.00")
    assert body["payment"]["tip"] == "40.00"
    item = store.events.get(event["event_id"])
    assert item is not None
    assert (item["paid_total"], item["tips_total"]) == (Decimal(200), Decimal(40))
    assert item["payments"][0]["tip"] == Decimal("40.00")
    api = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert (api["tips"], api["payments"][0]["tip"], api["balance_due"]) == (
        "40.00",
        "40.00",
        "0.00",
    )


def test_the_balance_shown_is_never_asked_about_for_a_tip(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="200")
    answer = pay(
        client, event["event_id"], crew, headers=HX, amount="200", tip="40", balance_due="200.00"
    )
    assert answer.status_code == 200 and "more than the balance due" not in answer.text
    assert "Saved $200.00 cash + $40.00 tip for Alice" in answer.text


def test_a_tip_alone_is_a_payment_of_zero_but_nothing_at_all_is_refused(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="200")
    alone = pay(client, event["event_id"], crew, headers=JSON, amount="0", tip="60")
    assert alone.status_code == 201 and alone.json()["balance_due"] == "200.00"
    nothing = pay(client, event["event_id"], crew, headers=JSON, amount="0", tip="")
    assert nothing.status_code == 422 and "more than zero" in nothing.json()["fields"]["amount"]
    bad = pay(client, event["event_id"], crew, headers=HX, amount="10", tip="1e3")
    assert bad.status_code == 422 and 'value="1e3"' in bad.text and "Enter a tip" in bad.text
    item = store.events.get(event["event_id"])
    assert item is not None and len(item["payments"]) == 1
    assert (item["paid_total"], item["tips_total"], item["payment_count"]) == (
        Decimal(0),
        Decimal(60),
        1,
    )


def test_a_replay_with_its_tip_is_stored_once_and_another_tip_is_a_409(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="500")
    key = str(uuid.uuid4())
    first = pay(
        client, event["event_id"], crew, headers=JSON, payment_id=key, amount="200", tip="40"
    )
    again = pay(
        client, event["event_id"], crew, headers=JSON, payment_id=key, amount="200", tip="40"
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["created"] is False and again.json()["payment"] == first.json()["payment"]
    other = pay(
        client, event["event_id"], crew, headers=JSON, payment_id=key, amount="200", tip="45"
    )
    untipped = pay(client, event["event_id"], crew, headers=JSON, payment_id=key, amount="200")
    assert other.status_code == untipped.status_code == 409
    item = store.events.get(event["event_id"])
    assert item is not None and len(item["payments"]) == 1
    assert (item["paid_total"], item["tips_total"]) == (Decimal(200), Decimal(40))


def test_voiding_a_payment_voids_its_tip(client: TestClient, store: Store) -> None:
    captain = sign_in(client, store, role="captain")
    event = add_event(store, total_price="300")
    keep, wrong = str(uuid.uuid4()), str(uuid.uuid4())
    pay(client, event["event_id"], captain, payment_id=keep, amount="100", tip="10")
    pay(client, event["event_id"], captain, payment_id=wrong, amount="50", tip="25")
    confirm = client.get(f"/dispatch/events/{event['event_id']}/payments/{wrong}/void")
    assert "its $25.00 tip is no longer the crew" in confirm.text
    url = f"/api/events/{event['event_id']}/payments/{wrong}/void"
    data = {"csrf_token": captain, "void_id": str(uuid.uuid4()), "reason": "Typed twice"}
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    item = store.events.get(event["event_id"])
    assert item is not None
    assert (item["paid_total"], item["tips_total"], item["payment_count"]) == (
        Decimal(100),
        Decimal(10),
        1,
    )
    api = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert (api["paid"], api["tips"]) == ("100.00", "10.00")


def test_the_plain_form_shows_the_tip_field_and_keeps_it_after_a_refusal(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    form = client.get(f"/dispatch/events/{event['event_id']}/payment")
    assert 'name="tip"' in form.text and 'id="tip"' in form.text
    page = f"/dispatch/events/{event['event_id']}/payment"
    refused = client.post(
        page,
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "",
            "tip": "15",
            "method": "cash",
            "csrf_token": crew,
        },
    )
    assert refused.status_code == 422
    assert 'value="15"' in refused.text and "Enter the amount." in refused.text
    item = store.events.get(event["event_id"])
    assert item is not None and not item.get("payments")


def test_the_api_names_the_crew_and_each_payments_tip(client: TestClient, store: Store) -> None:
    crew = sign_in(client, store, role="crew")
    add_user(store, "ann@example.com", name="Ann Master")
    event = add_event(store, total_price="300")
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression="SET crew_assigned = :c",
        ExpressionAttributeValues={
            ":c": [
                {"email": "ann@example.com", "role": "master"},
                {"email": "gone@example.com", "role": "deckhand"},  # no such account
            ]
        },
    )
    old = {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal(10),
        "method": "cash",
        "logged_at": "2026-07-04T16:00:00Z",
    }  # before tips: none
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression="SET payments = :p",
        ExpressionAttributeValues={":p": [old]},
    )
    pay(client, event["event_id"], crew, headers=JSON, amount="100", tip="12.50")
    body = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert body["crew"] == [
        {"email": "ann@example.com", "name": "Ann Master", "role": "master"},
        {"email": "gone@example.com", "name": "gone@example.com", "role": "deckhand"},
    ]
    assert [p["tip"] for p in body["payments"]] == ["0.00", "12.50"]
    assert body["tips"] == "12.50"
    detail = client.get(f"/dispatch/events/{event['event_id']}", headers=JSON).json()
    assert detail["crew"] == body["crew"]
    bare = add_event(store, first_name="Bea")
    assert client.get(f"/api/events/{bare['event_id']}", headers=JSON).json()["crew"] == []


def test_the_cash_box_counts_cash_tips_and_the_cash_paid_out(
    client: TestClient, store: Store
) -> None:
    captain = sign_in(client, store, role="captain")
    add_user(store, "bo@example.com", name="Bo Deckhand")
    event = add_event(store, total_price="500")
    pay(client, event["event_id"], captain, headers=JSON, amount="200", tip="40")
    pay(client, event["event_id"], captain, headers=JSON, amount="100", tip="15", method="card")
    pay(client, event["event_id"], captain, headers=JSON, amount="0", tip="20")
    today = store.events.get(event["event_id"])["date"]  # type: ignore[index]
    paid_out = client.post(
        "/admin/tips/payouts",
        data={
            "payout_id": str(uuid.uuid4()),
            "email": "bo@example.com",
            "amount": "30",
            "method": "cash",
            "paid_on": today,
            "csrf_token": captain,
        },
        follow_redirects=False,
    )
    assert paid_out.status_code == 303
    page = client.get(f"/admin/payments?date={today}").text
    box = page.split('id="cash-box"', 1)[1].split("</table>", 1)[0]
    assert '<td data-label="Cash payments">$200.00</td>' in box
    assert '<td data-label="Cash tips">$60.00</td>' in box
    assert "<strong>$260.00</strong>" in box
    assert 'class="cash-payouts">−$30.00' in box
    assert 'class="cash-expected"><strong>$230.00</strong>' in box
    assert "Tips collected this day, all methods: $75.00" in page
