"""Budgets, checked deterministically: DynamoDB calls per request (counted with
botocore's event hooks, up to the moment the response is complete, and with the work
done after it), compression and transfer sizes."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.app import create_app
from server.domain.clock import today_in
from server.domain.event_form import validate_new_event
from server.notify.outbox import payment_notice
from server.store import Store
from server.store.events import LISTING, starts_at
from server.web.assets import IMMUTABLE
from tests.conftest import HX, JSON, add_event, sign_in
from tests.fake_gmail import FakeGmail
from tests.helpers.flows import gmail_env, pay, signer, waiver_form
from tests.helpers.typed import found

KB = 1024


class CallCounter:
    """Counts DynamoDB operations; `during_request` holds those made before the
    response's last byte was sent (background work after it is not the visitor's wait)."""

    def __init__(self, store: Store) -> None:
        self.calls: Counter[str] = Counter()
        self.during_request: Counter[str] = Counter()
        store.resource.meta.client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def reset(self) -> None:
        self.calls.clear()
        self.during_request.clear()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            async def watch(message: Message) -> None:
                await send(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    self.during_request = Counter(self.calls)

            await app(scope, receive, watch)

        return counted


@pytest.fixture
def counted(store: Store) -> Iterator[tuple[TestClient, CallCounter]]:
    counter = CallCounter(store)
    app = create_app(store.settings, store)
    with TestClient(counter.wrap(app)) as client:
        yield client, counter


def _log_five(
    client: TestClient, event_id: str, token: str, headers: dict[str, str], tip: str = ""
) -> Any:
    """Log a $5 cash payment (with `tip`, if any) with a fresh key; the answer as it
    comes (no redirects)."""
    data = {
        "payment_id": str(uuid.uuid4()),
        "amount": "5",
        "tip": tip,
        "method": "cash",
        "csrf_token": token,
    }
    return client.post(
        f"/api/events/{event_id}/payment", data=data, headers=headers, follow_redirects=False
    )


def test_log_payment_is_one_update_item_plus_the_session_lookup(
    counted: tuple[TestClient, CallCounter], store: Store
) -> None:
    client, counter = counted
    event = add_event(store)
    token = sign_in(client, store)
    # The worst case: no copy of the session read in the last few seconds.
    store.sessions.cache_seconds = 0
    store.sessions.forget(email=str(store.sessions.table.scan()["Items"][0]["email"]))
    for headers in ({}, HX, {"Accept": "application/json"}):
        counter.reset()
        response = _log_five(client, event["event_id"], token, headers)
        assert response.status_code in (200, 201, 303)
        assert counter.during_request == {"GetItem": 1, "UpdateItem": 1}
        # The TestClient returns once the after-response task has run too: without
        # Gmail it makes no call (the owed mark written with the payment is the queue).
        assert counter.calls == counter.during_request
    owed = found(store.events.get(event["event_id"]))["notices_owed"]
    assert len(owed) == 3 and store.outbox.in_state("pending") == []


def test_log_payment_right_after_another_is_the_update_item_alone(
    counted: tuple[TestClient, CallCounter], store: Store
) -> None:
    client, counter = counted
    event = add_event(store)
    token = sign_in(client, store)
    for _ in range(2):
        counter.reset()
        response = _log_five(client, event["event_id"], token, HX)
        assert response.status_code == 200
    # The session was read by the first, less than SessionsRepo.cache_seconds ago.
    assert counter.calls == {"UpdateItem": 1}


def test_the_append_answers_the_card_and_totals_never_the_ledger(
    counted: tuple[TestClient, CallCounter], store: Store
) -> None:
    """Issue 29: the append asks for UPDATED_NEW (the card's fields and the totals it
    ADDs), so its answer does not grow with the ledger; the card still shows the truth."""
    client, _ = counted
    event = add_event(store)
    token = sign_in(client, store)
    seen: list[tuple[dict[str, Any], dict[str, Any], int]] = []
    asked: list[dict[str, Any]] = []
    events = store.resource.meta.client.meta.events

    def ask(params: dict[str, Any], **_: Any) -> None:
        asked.append(params)

    def answer(parsed: dict[str, Any], http_response: Any, **_: Any) -> None:
        seen.append((asked[-1], parsed, len(http_response.content)))

    events.register("provide-client-params.dynamodb.UpdateItem", ask)
    events.register("after-call.dynamodb.UpdateItem", answer)
    for n in range(1, 41):
        response = _log_five(client, event["event_id"], token, HX, tip="1")
        assert response.status_code == 200
        assert f"${5 * n}.00" in response.text  # the card's paid total, from the answer
        assert f'class="tips">${n}.00' in response.text  # and its tips (issue 27)
    assert len(seen) == 40
    for params, parsed, _size in seen:
        assert params["ReturnValues"] == "UPDATED_NEW"
        assert "payments" not in parsed["Attributes"]
    first, last = seen[0][1]["Attributes"], seen[-1][1]["Attributes"]
    assert last["paid_total"] == 200 and last["payment_count"] == 40
    # Issue 27: the tips are ADDed by the same UpdateItem and answered with the totals.
    assert last["tips_total"] == 40 and first["tips_total"] == 1
    assert last["patron_first_name"] == "Alice" and last["total_price"] == 1200
    # Only ids grow (about 40 bytes each in `payment_ids`, and in `notices_owed` while
    # the emails are owed: no Gmail here), not the ledger (~300 bytes an entry as JSON).
    assert seen[-1][2] - seen[0][2] < 39 * 90
    assert set(first) == set(last)
    stored = found(store.events.get(event["event_id"]))
    assert len(stored["payments"]) == 40 and stored["paid_total"] == 200
    assert stored["tips_total"] == 40


def test_with_gmail_the_email_after_the_response_costs_three_calls(
    store_with: Callable[..., Store],
) -> None:
    gmail = FakeGmail().start()
    try:
        store = store_with(**gmail_env(gmail))
        settings = store.settings
        counter = CallCounter(store)
        event = add_event(store)
        with TestClient(
            counter.wrap(create_app(settings, store)), base_url="https://crew.charter.example"
        ) as client:
            token = sign_in(client, store)
            counter.reset()
            response = pay(client, event["event_id"], token, JSON, note="tip included")
            first_during = Counter(counter.during_request)
            first_after = counter.calls - counter.during_request
            counter.reset()
            second = pay(client, event["event_id"], token, JSON, note="tip included")
        assert response.status_code == 201 and second.status_code == 201
        # (The session was read by the sign-in a moment ago: this process reuses it.)
        assert first_during == {"UpdateItem": 1}
        # After it: the outbox item created already leased (PutItem), the owed mark
        # cleared and the delivery recorded (UpdateItem x2); the email from the trip
        # the append returned, with no read.
        # This process's first send also clears any broken-mailer mark (DeleteItem, once
        # per process: server/notify/outbox.py); a later payment's email costs three.
        assert first_after == {"PutItem": 1, "UpdateItem": 2, "DeleteItem": 1}
        assert counter.calls - counter.during_request == {"PutItem": 1, "UpdateItem": 2}
        assert len(gmail.messages) == 2
        notice = found(store.outbox.get(payment_notice(response.json()["payment"]["payment_id"])))
        assert notice["state"] == "sent" and notice["attempts"] == 1
        assert "outbox" not in found(store.events.get(event["event_id"]))
    finally:
        gmail.stop()


@pytest.mark.parametrize(("today", "tomorrow", "queries"), [(5, 0, 2), (500, 0, 4), (5, 500, 2)])
def test_dashboard_calls_do_not_grow_with_the_number_of_events(
    counted: tuple[TestClient, CallCounter], store: Store, today: int, tomorrow: int, queries: int
) -> None:
    client, counter = counted
    day = today_in(store.settings.timezone)
    with store.events.table.batch_writer() as batch:
        for i in range(today + tomorrow):
            item = validate_new_event(
                {
                    "date": (day if i < today else day + timedelta(days=1)).isoformat(),
                    "first_name": "p" + "".join(chr(97 + int(d)) for d in f"{i:03d}"),
                    "total_price": "100",
                }
            )
            batch.put_item(Item={**item, "listing": LISTING, "starts_at": starts_at(item)})
    sign_in(client, store)
    counter.reset()
    page = client.get("/dispatch")
    # Today's trips all; tomorrow's 500 wait behind the "Later trips" link (the board
    # reads at most BOARD_CARDS + 1 trips past today's).
    assert page.text.count('<article class="card') == today
    assert ("Later trips" in page.text) == (tomorrow > 0)
    # One Query of the events index, one of the waivers index (and the session, unless
    # this process read it in the last few seconds, as the sign-in just did); a day
    # longer than one read takes two more of the events index: its rest, then what
    # follows it.
    assert counter.during_request == {"Query": queries}
    store.sessions.forget(email=str(store.sessions.table.scan()["Items"][0]["email"]))
    counter.reset()
    client.get("/dispatch")
    assert counter.during_request == {"GetItem": 1, "Query": queries}


def test_waiver_submit_is_the_event_lookup_the_flood_limits_and_one_put_item(
    counted: tuple[TestClient, CallCounter], store: Store
) -> None:
    client, counter = counted
    event = add_event(store)
    data = signer(waiver_form(client, event["event_id"]))
    counter.reset()
    response = client.post(f"/g/{event['event_id']}/waiver", data=data, follow_redirects=False)
    assert response.status_code == 303
    # The event and a replay check (GetItem x2); the link-guessing limit (a BatchGetItem
    # and a conditional UpdateItem taken before the lookup, one more to give it back as
    # the trip is there); the per-IP limit (a BatchGetItem and a conditional UpdateItem);
    # the trip's signer counter (its first signer: a conditional UpdateItem that finds
    # no counter, a keys-only Query of what is stored, the UpdateItem that starts it);
    # the one-copy-per-email marker and the waiver itself (PutItem x2).
    assert counter.during_request == {
        "GetItem": 2,
        "BatchGetItem": 2,
        "Query": 1,
        "UpdateItem": 5,
        "PutItem": 2,
    }
    # Every later signer: the counter is one conditional UpdateItem, no Query.
    data = signer(waiver_form(client, event["event_id"]), email="bo@example.com")
    counter.reset()
    response = client.post(f"/g/{event['event_id']}/waiver", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert counter.during_request == {
        "GetItem": 2,
        "BatchGetItem": 2,
        "UpdateItem": 4,
        "PutItem": 2,
    }


def test_responses_are_gzipped_when_the_client_accepts_it(client: TestClient, store: Store) -> None:
    add_event(store)
    sign_in(client, store)
    import httpx2

    raw = httpx2.Client(
        transport=client._transport, base_url=str(client.base_url), cookies=client.cookies
    )
    response = raw.get("/dispatch", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert "hx-request" in response.headers["vary"].lower()
    plain = raw.get("/dispatch", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_dashboard_first_load_and_fragments_stay_small(client: TestClient, store: Store) -> None:
    import httpx2

    for i in range(4):
        add_event(store, first_name=f"Guest{chr(97 + i)}")
    token = sign_in(client, store)
    raw = httpx2.Client(
        transport=client._transport,
        base_url=str(client.base_url),
        cookies=client.cookies,
        headers={"Accept-Encoding": "gzip"},
    )

    def transferred(url: str, **kwargs: Any) -> int:
        # Count the bytes on the wire: read the compressed stream as sent.
        with raw.stream("GET", url, **kwargs) as response:
            assert response.status_code == 200
            return sum(len(chunk) for chunk in response.iter_raw())

    page = raw.get("/dispatch")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert len(assets) >= 3
    total = transferred("/dispatch") + sum(transferred(a) for a in assets)
    assert total <= 36 * KB, f"dashboard first load is {total} bytes"
    for asset in assets:
        assert raw.get(asset).headers["cache-control"] == IMMUTABLE

    event_id = store.events.upcoming("2000-01-01")[0]["event_id"]
    modal = transferred(f"/dispatch/events/{event_id}/payment", headers=HX)
    assert modal <= 4 * KB
    with raw.stream(
        "POST",
        f"/api/events/{event_id}/payment",
        headers=HX,
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
            "csrf_token": token,
        },
    ) as response:
        assert response.status_code == 200
        post = sum(len(chunk) for chunk in response.iter_raw())
    assert post <= 4 * KB
    print(f"\nfirst load {total} B, modal {modal} B, POST answer {post} B (gzip)")
