"""Log Payment through the HTTP contract, against dynalite."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.domain.records import LedgerEntry
from server.store import Store
from tests.conftest import HX, JSON, add_event, sign_in
from tests.helpers.flows import pay


@pytest.fixture
def crew(client: TestClient, store: Store) -> str:
    return sign_in(client, store, role="crew")


def stored(store: Store, event_id: str) -> list[LedgerEntry]:
    item = store.events.get(event_id)
    assert item is not None
    return list(item.get("payments", []))


def test_form_fragment_carries_a_fresh_payment_id_and_csrf(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    url = f"/dispatch/events/{event['event_id']}/payment"
    first = client.get(url, headers=HX)
    second = client.get(url, headers=HX)
    ids = [re.search(r'name="payment_id" value="([0-9a-f-]{36})"', r.text) for r in (first, second)]
    assert ids[0] and ids[1] and ids[0].group(1) != ids[1].group(1)
    assert f'name="csrf_token" value="{crew}"' in first.text
    assert 'inputmode="decimal"' in first.text and "<html" not in first.text
    page = client.get(url)
    # The plain form posts to its page's own address (a refusal stays on a page URL);
    # htmx posts to the API.
    assert "<html" in page.text and f'action="{url}"' in page.text
    assert 'data-hx-post="/api/events/' in page.text


def test_plain_form_post_redirects_to_the_dashboard_with_a_confirmation(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    response = pay(
        client, event["event_id"], crew, amount="$1,200.50", method="check", note="  cheque #12  "
    )
    assert response.status_code == 303
    [entry] = stored(store, event["event_id"])
    assert response.headers["location"] == f"/dispatch?saved={entry['payment_id']}"
    assert entry["amount"] == Decimal("1200.50") and entry["method"] == "check"
    assert entry["note"] == "cheque #12" and entry["logged_by"].startswith("crew-")
    assert entry["logged_at"].endswith("Z")
    dashboard = client.get(response.headers["location"])
    # The confirmation names the trip (patron · period), not its id.
    assert f"Payment saved: $1,200.50 check for {event['patron_first_name']} · " in dashboard.text
    assert f"for {event['event_id']}" not in dashboard.text


def test_htmx_post_answers_the_card_and_a_toast(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="100")
    response = pay(client, event["event_id"], crew, headers=HX, amount="40")
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert f'id="card-{event["event_id"]}"' in html and 'data-hx-swap-oob="true"' in html
    assert "$60.00" in html  # balance due on the swapped card
    assert 'id="toast"' in html and "Saved $40.00 cash" in html
    assert 'data-saved="true"' in html  # the modal closes and its form is fresh


def test_json_post_answers_201_with_the_new_balance(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="100")
    payment_id = str(uuid.uuid4())
    response = pay(
        client, event["event_id"], crew, headers=JSON, amount="40.10", payment_id=payment_id
    )
    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["payment_id"] == payment_id
    assert body["payment"]["amount"] == "40.10"
    assert body["paid"] == "40.10" and body["balance_due"] == "59.90"
    detail = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert detail["paid"] == "40.10" and detail["payments"][0]["payment_id"] == payment_id


def test_same_key_same_body_answers_as_the_first_and_stores_once(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    payment_id = str(uuid.uuid4())
    first = pay(client, event["event_id"], crew, headers=JSON, payment_id=payment_id)
    again = pay(client, event["event_id"], crew, headers=JSON, payment_id=payment_id)
    plain = pay(client, event["event_id"], crew, payment_id=payment_id)
    assert first.status_code == again.status_code == 201
    assert again.json()["payment"] == first.json()["payment"]
    assert plain.status_code == 303
    assert len(stored(store, event["event_id"])) == 1


def test_same_key_with_a_different_body_is_refused_409(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    payment_id = str(uuid.uuid4())
    pay(client, event["event_id"], crew, payment_id=payment_id, amount="40")
    as_json = pay(client, event["event_id"], crew, headers=JSON, payment_id=payment_id, amount="45")
    as_htmx = pay(client, event["event_id"], crew, headers=HX, payment_id=payment_id, method="card")
    assert as_json.status_code == 409 and "already saved" in as_json.json()["error"]
    assert as_htmx.status_code == 409 and "already saved" in as_htmx.text
    # The re-rendered form carries a new key so a genuine second payment can be sent.
    assert f'value="{payment_id}"' not in as_htmx.text
    [entry] = stored(store, event["event_id"])
    assert entry["amount"] == Decimal("40.00") and entry["method"] == "cash"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "0"}, "amount", "more than zero"),
        ({"amount": "-5"}, "amount", "more than zero"),
        ({"amount": "1e3"}, "amount", "dollars and cents"),
        ({"amount": "NaN"}, "amount", "dollars and cents"),
        ({"amount": "12.345"}, "amount", "two decimal places"),
        ({"amount": ""}, "amount", "Enter the amount"),
        ({"amount": "100000.01"}, "amount", "cannot be more than"),
        ({"method": "bitcoin"}, "method", "cash, card or check"),
        ({"method": ""}, "method", "cash, card or check"),
        ({"note": "n" * 501}, "note", "500 characters"),
        ({"payment_id": "not-a-uuid"}, "form", "payment key"),
    ],
)
def test_invalid_input_gets_422_with_the_message_and_stores_nothing(
    client: TestClient,
    store: Store,
    crew: str,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    event = add_event(store)
    as_json = pay(client, event["event_id"], crew, headers=JSON, **fields)
    assert as_json.status_code == 422
    answer = as_json.json()
    assert message in (answer["error"] if field == "form" else answer["fields"][field])
    assert message in answer["error"]  # the one sentence offline.js shows
    as_htmx = pay(client, event["event_id"], crew, headers=HX, **fields)
    assert as_htmx.status_code == 422 and "<html" not in as_htmx.text
    assert message in as_htmx.text
    if field != "form":
        assert f'id="{field}-error"' in as_htmx.text  # next to its field
    as_page = pay(client, event["event_id"], crew, None, **fields)
    assert as_page.status_code == 422 and "<html" in as_page.text and message in as_page.text
    assert stored(store, event["event_id"]) == []


def test_a_422_keeps_what_the_user_typed(client: TestClient, store: Store, crew: str) -> None:
    event = add_event(store)
    payment_id = str(uuid.uuid4())
    response = pay(
        client,
        event["event_id"],
        crew,
        headers=HX,
        payment_id=payment_id,
        amount="12.345",
        method="card",
        note="<b>tip</b> & thanks",
    )
    assert 'value="12.345"' in response.text
    assert 'value="card" required\n      checked' in response.text or re.search(
        r'value="card"[^>]*checked', response.text
    )
    assert "&lt;b&gt;tip&lt;/b&gt; &amp; thanks" in response.text
    assert f'value="{payment_id}"' in response.text  # nothing stored: same key is safe


def test_notes_are_stored_as_typed_and_rendered_escaped(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    note = "<script>alert('x')</script> 🐋 café"
    pay(client, event["event_id"], crew, note=note)
    assert stored(store, event["event_id"])[0]["note"] == note
    detail = client.get(f"/dispatch/events/{event['event_id']}").text
    assert "<script>alert" not in detail
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 🐋 café" in detail


def test_unknown_event_is_404_and_creates_nothing(
    client: TestClient, store: Store, crew: str
) -> None:
    for event_id in ("2030-01-01-nobody", "2026-05-23", "bad id!"):
        response = pay(client, event_id, crew, headers=JSON)
        assert response.status_code == 404
        assert store.events.get(event_id) is None


def test_anonymous_posts_store_nothing(client: TestClient, store: Store) -> None:
    event = add_event(store)
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = pay(client, event["event_id"], token)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert pay(client, event["event_id"], token, headers=JSON).status_code == 401
    assert stored(store, event["event_id"]) == []


def test_cancelled_event_refuses_payments(client: TestClient, store: Store, crew: str) -> None:
    event = add_event(store)
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "cancelled"},
    )
    response = pay(client, event["event_id"], crew, headers=JSON)
    assert response.status_code == 422 and "cancelled" in response.json()["error"]
    assert stored(store, event["event_id"]) == []
    card = client.get(f"/dispatch/events/{event['event_id']}").text
    assert "Cancelled" in card and "Balance due" not in card  # nothing is due


def test_overpayment_is_allowed_and_shown_as_overpaid(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="100")
    response = pay(client, event["event_id"], crew, headers=JSON, amount="120")
    assert response.json()["balance_due"] == "-20.00"
    card = client.get(f"/dispatch/events/{event['event_id']}").text
    assert "Overpaid by" in card and "$20.00" in card


@pytest.mark.parametrize("full_by", ["count", "bytes"])
def test_an_event_at_its_cap_refuses_more_with_a_clear_message(
    client: TestClient, store: Store, crew: str, full_by: str
) -> None:
    event = add_event(store)
    values: dict[str, Any]
    if full_by == "count":
        filler = [{"payment_id": str(i), "amount": Decimal("1.00")} for i in range(MAX_ENTRIES)]
        update, values = "SET payments = :p", {":p": filler}
    else:
        update, values = "SET ledger_bytes = :b", {":b": MAX_LEDGER_BYTES - 100}
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression=update,
        ExpressionAttributeValues=values,
    )
    before = len(stored(store, event["event_id"]))
    response = pay(client, event["event_id"], crew, headers=JSON)
    assert response.status_code == 422
    assert "payment history is full" in response.json()["error"]
    assert len(stored(store, event["event_id"])) == before


def test_captain_voids_a_payment_by_appending_a_void(client: TestClient, store: Store) -> None:
    captain = sign_in(client, store, role="captain")
    event = add_event(store, total_price="100")
    keep = str(uuid.uuid4())
    wrong = str(uuid.uuid4())
    pay(client, event["event_id"], captain, payment_id=keep, amount="30")
    pay(client, event["event_id"], captain, payment_id=wrong, amount="50")
    void_id = str(uuid.uuid4())
    url = f"/api/events/{event['event_id']}/payments/{wrong}/void"
    data = {"csrf_token": captain, "void_id": void_id, "reason": "Typed twice"}
    first = client.post(url, data=data, follow_redirects=False)
    replay = client.post(url, data=data, follow_redirects=False)
    assert first.status_code == replay.status_code == 303
    entries = stored(store, event["event_id"])
    assert [e["kind"] for e in entries] == ["payment", "payment", "void"]
    assert entries[1]["amount"] == Decimal("50.00")  # never edited
    assert entries[2]["voids"] == wrong and entries[2]["reason"] == "Typed twice"
    body = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert body["paid"] == "30.00" and body["balance_due"] == "70.00"
    assert [p.get("voided") for p in body["payments"][:2]] == [False, True]
    detail = client.get(f"/dispatch/events/{event['event_id']}").text
    assert "<del>" in detail and "Typed twice" in detail
    again = client.post(url, data={**data, "void_id": str(uuid.uuid4())}, follow_redirects=False)
    assert again.status_code == 409 and "already voided" in again.text
    missing = client.post(
        f"/api/events/{event['event_id']}/payments/{uuid.uuid4()}/void",
        data={**data, "void_id": str(uuid.uuid4())},
    )
    assert missing.status_code == 404
    no_reason = client.post(
        url.replace(wrong, keep), data={**data, "reason": " ", "void_id": str(uuid.uuid4())}
    )
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    assert len(stored(store, event["event_id"])) == 3


def test_the_void_confirmation_page_posts_to_its_own_address(
    client: TestClient, store: Store
) -> None:
    """Without JavaScript the confirmation page's form posts to the page's own URL, so a
    refusal (no reason) stays on a page address, not /api/, and nothing is stored."""
    captain = sign_in(client, store, role="captain")
    event = add_event(store, total_price="100")
    target = str(uuid.uuid4())
    pay(client, event["event_id"], captain, payment_id=target, amount="30")
    page_url = f"/dispatch/events/{event['event_id']}/payments/{target}/void"
    confirm = client.get(page_url, params={"reason": "Typed twice"})
    assert confirm.status_code == 200 and f'action="{page_url}"' in confirm.text
    data = {"csrf_token": captain, "void_id": str(uuid.uuid4()), "reason": " "}
    refused = client.post(page_url, data=data, follow_redirects=False)
    assert refused.status_code == 422 and "Say why" in refused.text
    assert len(stored(store, event["event_id"])) == 1
    done = client.post(page_url, data={**data, "reason": "Typed twice"}, follow_redirects=False)
    assert done.status_code == 303 and f"?voided={target}" in done.headers["location"]
    assert [e["kind"] for e in stored(store, event["event_id"])] == ["payment", "void"]


def test_unreachable_database_answers_503_saying_nothing_was_saved(
    store: Store,
) -> None:
    import dataclasses
    import time

    from server.app import create_app
    from server.dev.local import free_port

    event = add_event(store)
    # Sign in against the real store, then point the same app's store at a dead port.
    app = create_app(store.settings, store)
    with TestClient(app) as client:
        token = sign_in(client, store)
        dead = dataclasses.replace(
            store.settings, dynamodb_endpoint=f"http://127.0.0.1:{free_port()}"
        )
        live_sessions = store.sessions
        app.state.store = Store.connect(dead)
        app.state.store.sessions = live_sessions  # still signed in; the events table is gone
        started = time.monotonic()
        as_json = pay(client, event["event_id"], token, headers=JSON)
        as_htmx = pay(client, event["event_id"], token, headers=HX)
        elapsed = time.monotonic() - started
    assert as_json.status_code == 503 and "Nothing was saved" in as_json.json()["error"]
    assert as_htmx.status_code == 503 and "safe to try again" in as_htmx.text
    assert elapsed < 10
    assert stored(store, event["event_id"]) == []


def test_more_than_the_balance_shown_asks_first_and_keeps_the_key(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="115.50")
    event_id, key = event["event_id"], str(uuid.uuid4())
    form = {"payment_id": key, "amount": "$150", "balance_due": "115.50", "note": "tip"}
    for headers in ({}, HX):
        asked = pay(client, event_id, crew, headers=headers, **form)
        assert asked.status_code == 422
        assert "$150.00 is $34.50 more than the balance due" in asked.text
        assert 'name="confirm_over" value="150.00"' in asked.text
        assert f'name="payment_id" value="{key}"' in asked.text  # exactly once, still
        assert 'value="$150"' in asked.text and ">tip</textarea>" in asked.text
        assert stored(store, event_id) == []
    # A confirmation of another amount (changed after the question) asks again.
    again = pay(client, event_id, crew, headers=HX, **form, confirm_over="15.00")
    assert again.status_code == 422 and stored(store, event_id) == []
    done = pay(client, event_id, crew, headers=HX, **form, confirm_over="150.00")
    assert done.status_code == 200 and "Overpaid by" in done.text
    replay = pay(client, event_id, crew, headers=HX, **form, confirm_over="150.00")
    assert replay.status_code == 200
    [entry] = stored(store, event_id)
    assert entry["payment_id"] == key and entry["amount"] == Decimal("150.00")
    # Within the balance, or without a balance shown (the JSON API, the offline queue),
    # nothing is asked.
    assert (
        pay(client, event_id, crew, headers=HX, amount="1", balance_due="1.00").status_code == 200
    )
    json = pay(client, event_id, crew, headers=JSON, amount="99", balance_due="0.00")
    assert json.status_code == 201


def test_the_plain_form_posts_to_its_page_and_a_refusal_stays_there(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store)
    page = f"/dispatch/events/{event['event_id']}/payment"
    data = {"payment_id": str(uuid.uuid4()), "amount": "0", "method": "cash", "csrf_token": crew}
    # Post/redirect/get, also for a refusal (issue 24 item 15): the answer is a 303 to the
    # form's own page, which shows what was typed and the message (once), so the
    # browser's history holds no POST and Back never asks to resubmit.
    refused = client.post(page, data={**data, "note": "deck ✓"}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == page
    assert stored(store, event["event_id"]) == []
    shown = client.get(page)
    assert shown.status_code == 422 and "The amount must be more than zero." in shown.text
    assert 'id="amount-error"' in shown.text and "There is a problem" in shown.text
    assert 'value="0"' in shown.text and ">deck ✓</textarea>" in shown.text
    assert f'name="payment_id" value="{data["payment_id"]}"' in shown.text  # the same key
    again = client.get(page)  # shown once: the page again is a fresh form
    assert again.status_code == 200 and "There is a problem" not in again.text
    assert data["payment_id"] not in again.text
    # A draft is the signer's own: a forged or another trip's cookie is ignored.
    client.cookies.set("scc_draft", "e30.0000")
    assert "There is a problem" not in client.get(page).text
    saved = client.post(page, data={**data, "amount": "12"}, follow_redirects=False)
    assert saved.status_code == 303 and len(stored(store, event["event_id"])) == 1


def test_the_overpay_question_without_js_is_a_page_of_its_own(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="100.00")
    page = f"/dispatch/events/{event['event_id']}/payment"
    key = str(uuid.uuid4())
    data = {"payment_id": key, "amount": "150", "method": "cash", "csrf_token": crew}
    asked = client.post(page, data={**data, "balance_due": "100.00"}, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == page
    shown = client.get(page)
    assert shown.status_code == 422 and "$150.00 is $50.00 more than the balance due" in shown.text
    assert 'name="confirm_over" value="150.00"' in shown.text
    assert f'name="payment_id" value="{key}"' in shown.text
    assert stored(store, event["event_id"]) == []
    done = client.post(
        page,
        data={**data, "balance_due": "100.00", "confirm_over": "150.00"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/dispatch?saved=")


def test_a_payment_from_the_trip_page_updates_its_history_and_returns_there(
    client: TestClient, store: Store, crew: str
) -> None:
    event = add_event(store, total_price="100")
    event_id = event["event_id"]
    opened = client.get(f"/dispatch/events/{event_id}/payment?from=trip", headers=HX)
    assert 'name="from" value="trip"' in opened.text
    trip = client.get(f"/dispatch/events/{event_id}")
    assert f'/dispatch/events/{event_id}/payment?from=trip"' in trip.text
    answer = pay(client, event_id, crew, HX, amount="40", note="deck tip", **{"from": "trip"})
    assert '<section id="payment-history"' in answer.text
    assert 'data-hx-swap-oob="true"' in answer.text.split('id="payment-history"')[1].split(">")[0]
    assert "deck tip" in answer.text and 'name="from" value="trip"' in answer.text
    from_dashboard = pay(client, event_id, crew, headers=HX, amount="1")
    assert "payment-history" not in from_dashboard.text  # no such list on the dashboard
    plain = pay(client, event_id, crew, None, amount="2", **{"from": "trip"})
    key = stored(store, event_id)[-1]["payment_id"]
    assert plain.headers["location"] == f"/dispatch/events/{event_id}?saved={key}"
    back = client.get(plain.headers["location"]).text
    assert f"Payment saved: $2.00 cash for {event['patron_first_name']} · whale" in back
