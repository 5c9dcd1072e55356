"""Exactly-once under concurrency: many phones logging to one event at once, and the
same payment retried in parallel. Real HTTP requests through the app into dynalite."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.rate_limits import SIGN_IN_ACCOUNT_AND_IP, TRIP_MISSES_PER_IP
from server.domain.users import check_password
from server.domain.waiver_rules import signer_cap
from server.store import Store
from tests.conftest import JSON, PASSWORD, add_event, add_user, csrf_from, sign_in
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.flows import signer, waiver_form

T = TypeVar("T")

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


# --- issue 24, items 2 and 3: limits decided by one conditional write, before acting -----


def _together(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0..count-1)` in as many threads, released at once."""
    start = threading.Barrier(count)

    def released(index: int) -> T:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def test_thirty_signers_at_once_on_a_trip_of_twelve_store_twelve(store: Store) -> None:
    event = add_event(store, capacity=2, party_size=2)
    cap = signer_cap(2, 2)
    assert cap == 12
    app = create_app(store.settings, store)
    # Each signer on their own phone and connection (the per-IP limit is not the point).
    phones = [TestClient(app, client=(f"198.51.100.{i}", 5000)) for i in range(30)]
    for phone in phones:
        phone.__enter__()
    try:
        forms = [
            signer(waiver_form(phone, event["event_id"]), email=f"guest{i}@example.com")
            for i, phone in enumerate(phones)
        ]

        def sign(index: int) -> int:
            answer = phones[index].post(
                f"/g/{event['event_id']}/waiver", data=forms[index], follow_redirects=False
            )
            return answer.status_code

        codes = _together(len(phones), sign)
    finally:
        for phone in phones:
            phone.__exit__(None, None, None)
    assert Counter(codes) == {303: cap, 429: len(phones) - cap}
    assert len(store.waivers.for_event(event["event_id"])) == cap
    copies = store.outbox.in_state("pending", limit=1000)
    assert len(copies) == cap


def test_a_failed_waiver_write_gives_its_place_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = add_event(store, capacity=2, party_size=2)
    real_create = store.waivers.create
    failures = iter([True, False])

    def flaky(item: dict[str, Any]) -> None:
        if next(failures, False):
            raise ConnectionError("the network dropped")
        real_create(item)

    monkeypatch.setattr(store.waivers, "create", flaky)
    with TestClient(create_app(store.settings, store), raise_server_exceptions=False) as phone:
        assert sign_waiver(phone, event["event_id"]).status_code == 500
        late = signer(waiver_form(phone, event["event_id"]), email="late@example.com")
        for i in range(signer_cap(2, 2)):  # all twelve places, the failed one's included
            answer = sign_waiver(phone, event["event_id"], email=f"g{i}@example.com")
            assert answer.status_code == 303, i
        refused = phone.post(f"/g/{event['event_id']}/waiver", data=late, follow_redirects=False)
        assert refused.status_code == 429
    assert len(store.waivers.for_event(event["event_id"])) == signer_cap(2, 2)


def test_twenty_five_parallel_sign_ins_get_five_password_checks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.web.auth

    add_user(store, "ana@example.com")
    checked: list[str] = []
    real_check = check_password

    def counting(user: Any, password: str) -> bool:
        checked.append(password)
        return real_check(user, password)

    monkeypatch.setattr(server.web.auth, "check_password", counting)
    with TestClient(create_app(store.settings, store), client=("192.0.2.1", 5000)) as browser:
        token = csrf_from(browser.get("/login").text)

        def attempt(index: int) -> int:
            data = {"email": "ana@example.com", "password": f"wrong {index}", "csrf_token": token}
            return browser.post("/login", data=data, follow_redirects=False).status_code

        codes = _together(25, attempt)
        most = SIGN_IN_ACCOUNT_AND_IP.most
        assert len(checked) == most
        # The last of the five admitted says so; the twenty refused were never checked.
        assert Counter(codes) == {401: most - 1, 429: 25 - most + 1}
        right = {"email": "ana@example.com", "password": PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=right, follow_redirects=False).status_code == 429
    assert len(checked) == most


def test_ninety_parallel_link_guesses_get_thirty_answers(store: Store) -> None:
    event = add_event(store)
    with TestClient(create_app(store.settings, store), client=("192.0.2.9", 5000)) as scanner:

        def guess(index: int) -> int:
            return scanner.get(f"/g/2030-01-01-guess-{index}").status_code

        codes = _together(90, guess)
        assert Counter(codes) == {404: TRIP_MISSES_PER_IP.most, 429: 90 - TRIP_MISSES_PER_IP.most}
        # A real trip's link from the scanner now says nothing about the trip either.
        assert scanner.get(f"/g/{event['event_id']}").status_code == 429
