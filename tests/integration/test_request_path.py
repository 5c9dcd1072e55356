"""Issue 29: Log Payment's own cost on the request path. A hop to the thread pool (and
back to the event loop) is made only for a DynamoDB call, and not at all on Lambda,
where an environment serves one request at a time; the session's check stays whole."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from server import lambda_handler
from server.app import create_app
from server.store import Store
from tests.conftest import HX, add_event, sign_in
from tests.helpers.aws import ORIGIN_SECRET, Browser
from tests.helpers.typed import found


class Hops:
    """Counts the calls handed to the thread pool (anyio's, under Starlette's
    `run_in_threadpool`), and still makes them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made: list[str] = []
        original = anyio.to_thread.run_sync

        async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            called = func.func if isinstance(func, functools.partial) else func
            self.made.append(called.__name__)
            return await original(func, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counted)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    return Hops(monkeypatch)


@pytest.fixture
def app_client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings, store)) as client:
        yield client


def _pay(post: Callable[..., Any], event_id: str, token: str) -> Any:
    form = {"payment_id": str(uuid.uuid4()), "amount": "5", "method": "cash"}
    return post(f"/api/events/{event_id}/payment", {**form, "csrf_token": token})


def test_log_payment_with_the_session_in_this_process_hops_once_for_the_append(
    app_client: TestClient, store: Store, hops: Hops
) -> None:
    event = add_event(store)
    token = sign_in(app_client, store)
    key = hashlib.sha256(found(app_client.cookies.get("scc_session")).encode()).hexdigest()
    store.sessions.forget(key)
    hops.made.clear()

    def post(path: str, form: dict[str, str]) -> Any:
        return app_client.post(path, data=form, headers=HX)

    assert _pay(post, event["event_id"], token).status_code == 200  # reads the session
    assert hops.made == ["load_user", "log_payment"]
    hops.made.clear()
    answer = _pay(post, event["event_id"], token)
    assert answer.status_code == 200 and "$10.00" in answer.text
    # The session is this process's copy (no call, no hop); without Gmail there is no
    # email to try after the response, so no background task either.
    assert hops.made == ["log_payment"]
    assert found(store.events.get(event["event_id"]))["paid_total"] == 10


def test_an_expired_session_held_in_this_process_is_still_refused_and_deleted(
    app_client: TestClient, store: Store, hops: Hops
) -> None:
    event = add_event(store)
    token = sign_in(app_client, store)
    key = hashlib.sha256(found(app_client.cookies.get("scc_session")).encode()).hexdigest()
    store.sessions.table.update_item(
        Key={"session_key": key},
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": int(time.time()) - 31 * 86400},
    )
    store.sessions.forget(key)
    assert store.sessions.get(key) is not None  # now this process's (fresh) copy
    assert store.sessions.cached(key) is not None
    hops.made.clear()

    answer = app_client.post(
        f"/api/events/{event['event_id']}/payment",
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
            "csrf_token": token,
        },
        headers=HX,
        follow_redirects=False,
    )
    assert answer.status_code == 204 and answer.headers["HX-Redirect"].startswith("/login")
    assert hops.made == ["load_user"]  # the copy is expired: the store's path deletes it
    store.sessions.forget(key)
    assert store.sessions.get(key) is None
    assert found(store.events.get(event["event_id"]))["payments"] == []  # nothing stored


def test_a_session_due_its_hourly_touch_is_touched_though_held_in_this_process(
    app_client: TestClient, store: Store, hops: Hops
) -> None:
    event = add_event(store)
    token = sign_in(app_client, store)
    key = hashlib.sha256(found(app_client.cookies.get("scc_session")).encode()).hexdigest()
    two_hours_ago = int(time.time()) - 7200
    store.sessions.table.update_item(
        Key={"session_key": key},
        UpdateExpression="SET last_seen_at = :t",
        ExpressionAttributeValues={":t": two_hours_ago},
    )
    store.sessions.forget(key)
    store.sessions.get(key)  # this process's copy, due its touch
    hops.made.clear()

    def post(path: str, form: dict[str, str]) -> Any:
        return app_client.post(path, data=form, headers=HX)

    assert _pay(post, event["event_id"], token).status_code == 200
    assert hops.made == ["load_user", "log_payment"]
    stored = store.sessions.table.get_item(Key={"session_key": key}, ConsistentRead=True)
    assert int(str(stored["Item"]["last_seen_at"])) >= int(time.time()) - 60


def test_on_lambda_log_payment_makes_no_hop_to_the_thread_pool(store: Store, hops: Hops) -> None:
    settings = dataclasses.replace(
        store.settings, base_url="https://scc.example", origin_secret=Secret(ORIGIN_SECRET)
    )
    started = lambda_handler.start(settings, Store.connect(settings))
    try:
        browser = Browser(started)
        token = browser.sign_in(store)
        event = add_event(store)
        hops.made.clear()

        def post(path: str, form: dict[str, str]) -> Any:
            return browser("POST", path, form=form, headers=HX)

        for paid in ("$5.00", "$10.00"):  # the session read, then this process's copy
            answer = _pay(post, event["event_id"], token)
            assert answer["statusCode"] == 200 and paid in answer["body"]
        assert hops.made == []
        assert found(store.events.get(event["event_id"]))["payment_count"] == 2
    finally:
        started.close()
