"""The app's flows as the tests drive them: waivers, payments, trips and mail."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from server.domain.clock import utc_now_iso
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.domain.records import Event, LedgerEntry
from server.store import Store
from tests.conftest import add_event
from tests.fake_gmail import FakeGmail
from tests.helpers.aws import Browser, body_of

PATRON_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1"


def waiver_form(client: TestClient, event_id: str) -> dict[str, str]:
    page = client.get(f"/g/{event_id}/waiver")
    assert page.status_code == 200
    # The next guest on a browser that just signed: the already-signed page's link.
    another = re.search(r'href="([^"]+\?after=[^"]+)"', page.text)
    if 'name="csrf_token"' not in page.text and another:
        page = client.get(another.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return hidden


def signer(form: dict[str, str], name: str = "Alice Smith", **extra: str) -> dict[str, str]:
    return {
        **form,
        "full_name": name,
        "date_of_birth": "1990-04-21",
        "email": "alice@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": name,
        "action": "sign",
        **extra,
    }


def sign(client: TestClient, event_id: str, **extra: str) -> Any:
    data = signer(waiver_form(client, event_id), **extra)
    return client.post(
        f"/g/{event_id}/waiver",
        data=data,
        follow_redirects=False,
        headers={"User-Agent": PATRON_UA},
    )


OPERATORS = "office@charter.example, captain@charter.example"


def gmail_env(fake: FakeGmail) -> dict[str, str]:
    return {
        "GMAIL_TOKEN": fake.token_json(),
        "GMAIL_SENDER": "bookings@charter.example",
        "GMAIL_RECIPIENT": OPERATORS,
        "SCC_GMAIL_API_ENDPOINT": f"{fake.url}/",
        "SCC_BASE_URL": "https://crew.charter.example",
    }


def use_cli_env(monkeypatch: pytest.MonkeyPatch, store: Store, fake: FakeGmail) -> None:
    """The environment `scc outbox send` reads: this test's tables and fake Gmail."""
    for name, value in {
        **gmail_env(fake),
        "SCC_SECRET_KEY": "k" * 40,
        "SCC_DYNAMODB_ENDPOINT": store.settings.dynamodb_endpoint or "",
        "SCC_TABLE_PREFIX": store.settings.table_prefix,
    }.items():
        monkeypatch.setenv(name, value)


def append_payment(
    store: Store, event_id: str, payment_id: str, amount: str, method: str = "cash"
) -> Event:
    """The payment's own UpdateItem, as the app makes it (the email owed with it)."""
    entry: LedgerEntry = {
        "payment_id": payment_id,
        "kind": "payment",
        "amount": Decimal(amount),
        "method": method,
        "note": "",
        "logged_by": "crew@example.com",
        "logged_at": "2030-01-01T10:00:00Z",
    }
    return store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)


def later(seconds: float) -> float:
    return time.time() + seconds


def pay(
    client: TestClient,
    event_id: str,
    token: str,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx2.Response:
    """The one way the tests log a payment: POST /api/events/{id}/payment with a fresh
    idempotency key, $40 cash unless `fields` say otherwise; the answer as it comes (no
    redirects followed). `headers=JSON` asks for the JSON answer."""
    data = {
        "payment_id": str(uuid.uuid4()),
        "amount": "40",
        "method": "cash",
        "note": "",
        "csrf_token": token,
        **fields,
    }
    return client.post(
        f"/api/events/{event_id}/payment", data=data, headers=headers or {}, follow_redirects=False
    )


def new_event_form(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "date": "2030-05-23",
        "first_name": "Alice",
        "period": "whale",
        "start_time": "09:30",
        "duration_minutes": "180",
        "boat": "Orca",
        "capacity": "12",
        "meeting_point": "Dock B",
        "party_size": "6",
        "total_price": "1,200.00",
        **fields,
    }


BACK_BY = "2030-01-01T20:00:00Z"


def departure(departure_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "departure_id": departure_id or str(uuid.uuid4()),
        "departed_at": "2030-01-01T17:00:00Z",
        "departed_by": "pat@example.com",
        "expected_back": BACK_BY,
        "area": "Outer bay",
        "boat": "Orca",
        "aboard": [{"role": "guest", "name": "Ann Lee", "age": 40}],
        "crew": ["pat@example.com"],
        **fields,
    }


def checked_in_trip(client: TestClient, store: Store, **fields: Any) -> str:
    """Today's trip with one signed waiver whose signer is checked in."""
    event_id = str(add_event(store, **fields)["event_id"])
    assert sign(client, event_id).status_code == 303
    (waiver,) = store.waivers.for_event(event_id)
    store.waivers.set_checkin(
        event_id, str(waiver["waiver_id"]), "signer", True, "crew@example.com", utc_now_iso()
    )
    return event_id


def depart_form(client: TestClient, event_id: str) -> dict[str, str]:
    page = client.get(f"/dispatch/events/{event_id}/depart")
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page.text))
    return {k: fields[k] for k in ("csrf_token", "departure_id", "expected_back", "area")}


def depart(client: TestClient, event_id: str, form: dict[str, str], **extra: str) -> Any:
    """Depart as the form is prefilled (crew and master), the safety orientation ticked
    (issue 26 item 8) unless `extra` says otherwise."""
    page = client.get(f"/dispatch/events/{event_id}/depart").text
    crew = re.findall(r'name="crew" value="([^"]+)"\s+checked', page)
    master = re.findall(r'name="master" value="([^"]+)"\s+checked', page)
    prefilled = {"crew": crew, "master": master[0] if master else "", "orientation": "yes"}
    return client.post(
        f"/dispatch/events/{event_id}/depart",
        data={**form, **prefilled, **extra},
        follow_redirects=False,
    )


def pay_through_lambda(
    browser: Browser, token: str, event_id: str, amount: str = "40.00"
) -> dict[str, Any]:
    form = {
        "payment_id": str(uuid.uuid4()),
        "amount": amount,
        "method": "cash",
        "note": "deposit",
        "csrf_token": token,
    }
    headers = {"Accept": "application/json"}
    response = browser("POST", f"/api/events/{event_id}/payment", form=form, headers=headers)
    assert response["statusCode"] == 201, body_of(response)
    return response


def sign_through_lambda(browser: Browser, event_id: str) -> dict[str, Any]:
    page = body_of(browser("GET", f"/g/{event_id}/waiver"))
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
    return browser("POST", f"/g/{event_id}/waiver", form=signer(hidden))
