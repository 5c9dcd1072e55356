"""Exactly-once under concurrency: many phones logging to one event at once, and the
same payment retried in parallel. Real HTTP requests through the app into dynalite."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from starlette.testclient import TestClient

from server.app import create_app
from server.store import Store
from tests.conftest import JSON, add_event, sign_in

THREADS = 20
PER_THREAD = 50


def _signed_in_clients(store: Store, count: int) -> tuple[list[TestClient], list[str]]:
    app = create_app(store.settings, store)
    clients, tokens = [], []
    for _ in range(count):
        client = TestClient(app)
        client.__enter__()
        tokens.append(sign_in(client, store))
        clients.append(client)
    return clients, tokens


def test_twenty_phones_fifty_payments_each_all_land_once(store: Store) -> None:
    event = add_event(store, total_price="100000")
    event_id = event["event_id"]
    clients, tokens = _signed_in_clients(store, THREADS)
    # Amounts vary per payment so the exact sum proves no entry was lost or doubled.
    amounts = [
        [Decimal(f"{t + 1}.{(i * 7) % 100:02d}") for i in range(PER_THREAD)] for t in range(THREADS)
    ]

    def phone(index: int) -> list[int]:
        codes = []
        for amount in amounts[index]:
            response = clients[index].post(
                f"/api/events/{event_id}/payment",
                data={
                    "payment_id": str(uuid.uuid4()),
                    "amount": str(amount),
                    "method": "cash",
                    "csrf_token": tokens[index],
                },
                headers=JSON,
            )
            codes.append(response.status_code)
        return codes

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(phone, range(THREADS)))
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    elapsed = time.monotonic() - started
    from collections import Counter

    assert Counter(c for codes in results for c in codes) == {201: THREADS * PER_THREAD}
    item = store.events.get(event_id)
    assert item is not None
    payments = item["payments"]
    expected = sum((a for row in amounts for a in row), Decimal("0"))
    assert len(payments) == THREADS * PER_THREAD
    assert len({p["payment_id"] for p in payments}) == THREADS * PER_THREAD
    assert len(item["payment_ids"]) == THREADS * PER_THREAD
    assert sum(p["amount"] for p in payments) == expected
    print(
        f"\n{THREADS * PER_THREAD} payments sent, {len(payments)} stored, "
        f"sum {expected}, {elapsed:.1f} s wall"
    )


def test_the_same_key_sent_three_times_at_once_lands_once(store: Store) -> None:
    event = add_event(store, total_price="500")
    clients, tokens = _signed_in_clients(store, 3)
    payment_id = str(uuid.uuid4())

    def send(index: int) -> tuple[int, dict]:  # type: ignore[type-arg]
        response = clients[index].post(
            f"/api/events/{event['event_id']}/payment",
            data={
                "payment_id": payment_id,
                "amount": "75.25",
                "method": "card",
                "csrf_token": tokens[index],
            },
            headers=JSON,
        )
        return response.status_code, response.json()

    try:
        for _ in range(5):  # several rounds with fresh keys make the race likelier
            with ThreadPoolExecutor(3) as pool:
                answers = list(pool.map(send, range(3)))
            assert [code for code, _ in answers] == [201, 201, 201]
            assert len({body["payment"]["payment_id"] for _, body in answers}) == 1
            assert sum(body["created"] for _, body in answers) == 1
            payment_id = str(uuid.uuid4())
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    item = store.events.get(event["event_id"])
    assert item is not None and len(item["payments"]) == 5
    assert sum(p["amount"] for p in item["payments"]) == Decimal("376.25")
