"""Online payments (issue 28): the real `stripe` library against the local stand-in
(tests/fake_stripe.py), webhooks signed as Stripe signs them, the ledger in dynalite."""

from __future__ import annotations

import base64
import dataclasses
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from server import lambda_handler
from server.app import create_app
from server.domain.online import CANCELLED_NOTE, payment_id_for
from server.domain.rate_limits import PAYS_PER_IP
from server.store import Store
from tests.conftest import add_event, csrf_from, sign_in
from tests.fake_gmail import FakeGmail
from tests.fake_stripe import FakeStripe, sign
from tests.helpers.aws import ORIGIN_SECRET, body_of, url_event
from tests.helpers.flows import append_payment, gmail_env
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.typed import found

WEBHOOK = "/webhooks/stripe"


@pytest.fixture
def patron(pay_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(pay_store.settings, pay_store)) as client:
        yield client


def start_payment(client: TestClient, event_id: str, **fields: str) -> Any:
    page = client.get(f"/g/{event_id}")
    key = re.search(r'name="payment_key" value="([0-9a-f-]+)"', page.text)
    assert key, "the trip page has no pay form"
    form = {"csrf_token": csrf_from(page.text), "payment_key": key.group(1), **fields}
    return client.post(f"/g/{event_id}/pay", data=form, follow_redirects=False)


def paid_session(client: TestClient, fake: FakeStripe, event_id: str, **fields: str) -> str:
    """A Checkout Session the patron opened from the trip page (its id)."""
    answer = start_payment(client, event_id, **fields)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def deliver(client: TestClient, body: bytes, signature: str | None = None) -> Any:
    headers = {"Stripe-Signature": sign(body) if signature is None else signature}
    return client.post(WEBHOOK, content=body, headers=headers)


def online_entries(store: Store, event_id: str) -> list[dict[str, Any]]:
    item = store.events.get(event_id)
    entries = item.get("payments", []) if item is not None else []
    return [dict(p) for p in entries if p.get("method") == "online"]


def test_the_trip_page_offers_the_balance_with_tip_presets(
    patron: TestClient, pay_store: Store
) -> None:
    event = add_event(pay_store, days_ahead=3)
    html = patron.get(f"/g/{event['event_id']}").text
    assert "Pay the balance ($1,200.00)" in html
    for shown in ("15 % ($180.00)", "18 % ($216.00)", "20 % ($240.00)", "Another amount"):
        assert shown in html
    assert re.search(r'value="" id="tip-none" checked', html)  # no tip by default


def test_without_stripe_there_is_no_button_and_pay_is_404(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=3)
    assert "Pay the balance" not in client.get(f"/g/{event['event_id']}").text
    token = csrf_from(client.get(f"/g/{event['event_id']}/waiver").text)
    answer = client.post(f"/g/{event['event_id']}/pay", data={"csrf_token": token})
    assert answer.status_code == 404
    assert client.post(WEBHOOK, content=b"{}").status_code == 404


def test_pay_charges_the_balance_read_now_plus_the_tip(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    append_payment(pay_store, event["event_id"], "9b0c7c0e-3f1e-4c55-8d2a-1f4f0a1b2c3d", "200")
    answer = start_payment(patron, event["event_id"], tip="15", amount="1")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{fake.url}/checkout/cs_test_")
    (created,) = fake.created
    lines = created["line_items"]
    assert lines["0"]["price_data"]["unit_amount"] == "100000"  # $1,000: the balance now
    assert lines["1"]["price_data"]["unit_amount"] == "18000"  # 15 % of the $1,200 price
    assert created["metadata"]["event_id"] == event["event_id"]
    assert created["metadata"]["tip"] == "180.00"
    assert created["payment_intent_data"]["metadata"]["event_id"] == event["event_id"]
    assert created["success_url"].endswith("/paid?session_id={CHECKOUT_SESSION_ID}")
    # The same form again (a double tap): the idempotency key answers the same session.
    key = created["metadata"]["payment_key"]
    again = patron.post(
        f"/g/{event['event_id']}/pay",
        data={
            "csrf_token": csrf_from(patron.get("/g/" + event["event_id"]).text),
            "payment_key": key,
            "tip": "15",
        },
        follow_redirects=False,
    )
    assert again.headers["location"] == answer.headers["location"] and len(fake.created) == 1


def test_a_bad_custom_tip_is_a_422_next_to_its_field_and_nothing_is_created(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    answer = start_payment(patron, event["event_id"], tip="custom", tip_custom="lots")
    assert answer.status_code == 422
    assert 'id="tip_custom-error"' in answer.text and "dollars and cents" in answer.text
    assert fake.created == []


def test_one_delivery_records_the_payment_once_with_its_email_owed(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"], tip="20")
    answer = deliver(patron, fake.complete(session_id))
    assert answer.status_code == 200, answer.text
    (entry,) = online_entries(pay_store, event["event_id"])
    assert entry["payment_id"] == payment_id_for(session_id)
    assert entry["amount"] == Decimal("1200.00") and entry["tip"] == Decimal("240.00")
    assert entry["logged_by"] == "Stripe" and entry["checkout_session"] == session_id
    assert entry["payment_intent"] == fake.sessions[session_id]["payment_intent"]
    item = found(pay_store.events.get(event["event_id"]))
    assert item["paid_total"] == Decimal("1200.00") and item["payment_count"] == 1
    assert entry["payment_id"] in item["notices_owed"]  # the operator's email, owed
    assert "Your trip is paid in full" in patron.get(f"/g/{event['event_id']}").text


def test_three_concurrent_and_thirty_deliveries_record_it_once(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])
    body = fake.complete(session_id)
    with ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(lambda _: deliver(patron, body).status_code, range(3)))
    assert statuses == [200, 200, 200]
    statuses = [deliver(patron, body).status_code for _ in range(30)]
    assert set(statuses) == {200}
    assert len(online_entries(pay_store, event["event_id"])) == 1
    item = found(pay_store.events.get(event["event_id"]))
    assert item["paid_total"] == Decimal("1200.00") and item["payment_count"] == 1


def test_the_return_page_says_recording_until_the_webhook_then_paid(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])
    body = fake.complete(session_id)
    back = f"/g/{event['event_id']}/paid?session_id={session_id}"
    assert "Payment received, recording…" in patron.get(back).text
    deliver(patron, body)
    page = patron.get(back).text
    assert "Paid — thank you" in page and "$1,200.00" in page
    # A delivery before the patron returns: paid at once.
    other = add_event(pay_store, days_ahead=4)
    second = paid_session(patron, fake, other["event_id"])
    deliver(patron, fake.complete(second))
    assert "Paid — thank you" in patron.get(f"/g/{other['event_id']}/paid?session_id={second}").text
    # Another trip's session, or none Stripe knows, is not this trip's page.
    assert patron.get(f"/g/{other['event_id']}/paid?session_id={session_id}").status_code == 404
    assert patron.get(f"/g/{other['event_id']}/paid?session_id=cs_test_nope").status_code == 404
    assert patron.get(f"/g/{other['event_id']}/paid?session_id=%3Cx%3E").status_code == 404


def test_a_forged_or_altered_webhook_is_400_and_stores_nothing(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])
    body = fake.complete(session_id)
    forged = sign(body, secret="whsec_" + "x" * 40)
    assert deliver(patron, body, forged).status_code == 400
    altered = body.replace(b'"amount_total": 120000', b'"amount_total": 1')
    assert altered != body
    assert deliver(patron, altered, sign(body)).status_code == 400
    assert deliver(patron, body, "").status_code == 400
    assert deliver(patron, b"not json", sign(b"not json")).status_code == 400
    assert online_entries(pay_store, event["event_id"]) == []


def test_a_replay_older_than_the_tolerance_is_refused(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    body = fake.complete(paid_session(patron, fake, event["event_id"]))
    old = sign(body, at=int(time.time()) - 301)  # the library's default tolerance: 300 s
    assert deliver(patron, body, old).status_code == 400
    assert online_entries(pay_store, event["event_id"]) == []
    assert deliver(patron, body, sign(body, at=int(time.time()) - 200)).status_code == 200


def test_refunds_are_recorded_once_each_and_the_balance_is_true_again(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])
    deliver(patron, fake.complete(session_id))
    partial = fake.refund(session_id, 30000)
    assert deliver(patron, partial).status_code == 200
    assert deliver(patron, partial).status_code == 200  # delivered twice: still one
    item = found(pay_store.events.get(event["event_id"]))
    (refund,) = [p for p in item["payments"] if p.get("kind") == "refund"]
    assert refund["amount"] == Decimal("300.00")
    assert refund["refunds"] == payment_id_for(session_id)
    assert item["paid_total"] == Decimal("900.00")
    rest = fake.refund(session_id, 90000)  # the rest: charge.refunded lists both refunds
    assert deliver(patron, rest).status_code == 200
    item = found(pay_store.events.get(event["event_id"]))
    assert len([p for p in item["payments"] if p.get("kind") == "refund"]) == 2
    assert item["paid_total"] == Decimal("0.00")
    assert "Pay the balance ($1,200.00)" in patron.get(f"/g/{event['event_id']}").text


def test_a_cancelled_trip_refuses_pay_and_records_a_late_webhook_flagged(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])  # opened before the cancel
    token = csrf_from(patron.get(f"/g/{event['event_id']}").text)
    assert pay_store.events.set_status(event["event_id"], "cancelled")
    page = patron.get(f"/g/{event['event_id']}").text
    assert "Pay the balance" not in page
    refused = patron.post(
        f"/g/{event['event_id']}/pay",
        data={"csrf_token": token, "payment_key": "9b0c7c0e-3f1e-4c55-8d2a-1f4f0a1b2c3d"},
    )
    assert refused.status_code == 410 and len(fake.created) == 1
    answer = deliver(patron, fake.complete(session_id))  # paid anyway, then delivered
    assert answer.status_code == 200
    (entry,) = online_entries(pay_store, event["event_id"])
    assert entry["note"] == CANCELLED_NOTE
    item = found(pay_store.events.get(event["event_id"]))
    assert entry["payment_id"] in item["notices_owed"]  # the captain's email says it


def test_online_after_cash_is_kept_and_the_card_says_overpaid(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=0)
    session_id = paid_session(patron, fake, event["event_id"])
    append_payment(pay_store, event["event_id"], "9b0c7c0e-3f1e-4c55-8d2a-1f4f0a1b2c3d", "1200")
    assert deliver(patron, fake.complete(session_id)).status_code == 200
    assert len(online_entries(pay_store, event["event_id"])) == 1
    sign_in(patron, pay_store)
    board = patron.get("/dispatch").text
    assert "Overpaid by" in board and "$1,200.00" in board


def test_the_webhook_through_lambda_with_a_base64_body(pay_store: Store, fake: FakeStripe) -> None:
    settings = dataclasses.replace(
        pay_store.settings, base_url="https://scc.example", origin_secret=Secret(ORIGIN_SECRET)
    )
    deployed = lambda_handler.start(settings, Store.connect(settings))
    try:
        event = add_event(pay_store, days_ahead=3)
        session = fake.create_session(
            {
                "line_items": {
                    "0": {
                        "quantity": "1",
                        "price_data": {"currency": "usd", "unit_amount": "120000"},
                    }
                },
                "metadata": {"event_id": event["event_id"], "tip": "0.00"},
                "success_url": "https://scc.example/x",
                "cancel_url": "https://scc.example/y",
            },
            "",
        )
        body = fake.complete(session["id"])
        request = url_event(
            "POST",
            WEBHOOK,
            headers={"content-type": "application/json", "stripe-signature": sign(body)},
        )
        request.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
        answer = deployed(request, None)
        assert answer["statusCode"] == 200, body_of(answer)
        assert len(online_entries(pay_store, event["event_id"])) == 1
        request["headers"]["stripe-signature"] = sign(body, secret="whsec_" + "y" * 40)
        assert deployed(request, None)["statusCode"] == 400
    finally:
        deployed.close()


def test_online_is_shown_in_the_reports_and_the_csv_with_its_refund(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=0)
    session_id = paid_session(patron, fake, event["event_id"])
    deliver(patron, fake.complete(session_id))
    deliver(patron, fake.refund(session_id, 30000))
    sign_in(patron, pay_store, role="captain")
    report = patron.get("/admin/payments").text
    assert '<th scope="col">Online</th>' in report
    assert "$900.00" in report  # $1,200 paid online, $300 given back the same day
    detail = patron.get(f"/dispatch/events/{event['event_id']}").text
    assert "online" in detail.lower() and "Refunded $300.00 on Stripe" in detail
    assert "Void this payment" not in detail  # refunded in Stripe, not voided here
    csv = patron.get("/admin/payments.csv").text
    assert ",online," in csv and "Refund (Stripe)" in csv


def test_a_refund_of_fare_and_tip_takes_the_tip_off_the_crews_tips_too(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"], tip="15")  # $180 on $1,200
    deliver(patron, fake.complete(session_id))
    item = found(pay_store.events.get(event["event_id"]))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("1200.00"), Decimal("180.00"))
    assert deliver(patron, fake.refund(session_id, 100000)).status_code == 200  # goodwill
    item = found(pay_store.events.get(event["event_id"]))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("200.00"), Decimal("180.00"))
    assert deliver(patron, fake.refund(session_id, 38000)).status_code == 200  # the rest
    item = found(pay_store.events.get(event["event_id"]))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("0.00"), Decimal("0.00"))
    sign_in(patron, pay_store, role="captain")
    detail = patron.get(f"/dispatch/events/{event['event_id']}").text
    assert "Refunded $1,000.00 on Stripe" in detail
    assert "Refunded $380.00 on Stripe" in detail and "($180.00 of it from the tip)" in detail


def test_an_online_payment_cannot_be_voided_so_its_refund_is_taken_off_once(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    """The trip page offers no void for an online payment (Stripe refunds it); the
    void's own address refuses it too: a void and then the refund would each take the
    fare and the tip off the totals."""
    event = add_event(pay_store, days_ahead=3)
    event_id = event["event_id"]
    session_id = paid_session(patron, fake, event_id, tip="15")  # $180 on $1,200
    deliver(patron, fake.complete(session_id))
    target = payment_id_for(session_id)
    token = sign_in(patron, pay_store, role="captain")
    void_url = f"/dispatch/events/{event_id}/payments/{target}/void"
    assert patron.get(void_url).status_code == 409  # no confirmation page for it
    answer = patron.post(
        void_url,
        data={"csrf_token": token, "void_id": str(uuid.uuid4()), "reason": "typed the URL"},
        follow_redirects=False,
    )
    assert answer.status_code == 409 and "refund it in Stripe" in answer.text
    item = found(pay_store.events.get(event_id))
    assert [p.get("kind") for p in item["payments"]] == ["payment"]  # nothing stored
    assert deliver(patron, fake.refund(session_id, 138000)).status_code == 200  # all of it
    item = found(pay_store.events.get(event_id))
    assert (item["paid_total"], item["tips_total"]) == (Decimal("0.00"), Decimal("0.00"))


def test_the_operator_gets_the_payment_email_once_for_a_late_cancelled_payment(
    store_with: Callable[..., Store], fake: FakeStripe, gmail: FakeGmail
) -> None:
    mail_store = store_with(**fake.env(), **gmail_env(gmail))
    app = create_app(mail_store.settings, mail_store)
    with TestClient(app, base_url="https://crew.charter.example") as client:
        event = add_event(mail_store, days_ahead=3)
        session_id = paid_session(client, fake, event["event_id"])
        mail_store.events.set_status(event["event_id"], "cancelled")
        body = fake.complete(session_id)
        for _ in range(3):
            assert deliver(client, body).status_code == 200
    (message,) = gmail.messages
    text = message.get_payload(0).get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Method:      online" in text and "Logged by:   Stripe" in text
    assert CANCELLED_NOTE in text


def test_the_captain_emails_the_pay_link_to_the_booker(
    store_with: Callable[..., Store], fake: FakeStripe, gmail: FakeGmail
) -> None:
    mail_store = store_with(**fake.env(), **gmail_env(gmail))
    app = create_app(mail_store.settings, mail_store)
    with TestClient(app, base_url="https://crew.charter.example") as client:
        event = add_event(mail_store, days_ahead=3, booker_email="booker@example.com")
        token = sign_in(client, mail_store, role="captain")
        detail = client.get(f"/dispatch/events/{event['event_id']}").text
        assert "Email the pay link to booker@example.com" in detail
        answer = client.post(
            f"/dispatch/events/{event['event_id']}/pay-link",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        after = client.get(answer.headers["location"]).text
        assert "The pay link is on its way to booker@example.com" in after
        emails = client.get("/admin/notifications").text  # the captain's Emails page names it
        assert "Pay link to the booker" in emails and "to booker@example.com" in emails
        bare = add_event(mail_store, days_ahead=4, first_name="Bea")
        assert "Email the pay link" not in client.get(f"/dispatch/events/{bare['event_id']}").text
        refused = client.post(
            f"/dispatch/events/{bare['event_id']}/pay-link", data={"csrf_token": token}
        )
        assert refused.status_code == 409
    (message,) = gmail.messages
    assert message["To"] == "booker@example.com"
    text = message.get_payload(0).get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "$1,200.00" in text and f"/g/{event['event_id']}" in text


def test_the_return_page_never_claims_a_payment_it_cannot_check(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = paid_session(patron, fake, event["event_id"])
    back = f"/g/{event['event_id']}/paid?session_id={session_id}"
    assert "Payment not completed" in patron.get(back).text  # opened, never paid
    fake.mode = "down"
    page = patron.get(back)
    assert page.status_code == 200 and "Checking your payment…" in page.text
    # Stripe down when the patron taps Pay: a clear message, nothing charged, no 500.
    fake.created.clear()
    answer = start_payment(patron, event["event_id"])
    assert answer.status_code == 503 and "Nothing was charged" in answer.text


def test_pay_is_rate_limited_per_client_ip_like_the_other_patron_forms(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    statuses = [
        start_payment(patron, event["event_id"]).status_code for _ in range(PAYS_PER_IP.most)
    ]
    assert set(statuses) == {303}
    refused = start_payment(patron, event["event_id"])
    assert refused.status_code == 429 and "Nothing was charged" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert len(fake.created) == PAYS_PER_IP.most


def test_the_pay_button_is_also_on_the_page_after_a_waiver_is_signed(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    signed = sign_waiver(patron, event["event_id"])
    assert signed.status_code == 303
    page = patron.get(signed.headers["location"])
    assert "Waiver signed" in page.text and "Pay the balance ($1,200.00)" in page.text
    assert (
        f"form-action 'self' https://checkout.stripe.com {fake.url}"
        in (page.headers["content-security-policy"])
    )
