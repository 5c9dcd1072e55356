"""The storage boundary (issue 25, item 2): what the repositories raise is the store's own
(`StoreUnavailable`, `StoreError`, the refusals), never botocore's, so the app above
them handles errors without importing botocore (tests/test_layout.py checks imports)."""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from collections.abc import Callable

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from server.dev.local import free_port
from server.store import Store, StoreError, StoreUnavailable
from server.store.boundary import Repo
from server.store.events import EventExists
from tests.conftest import add_event, make_settings


def repositories(store: Store) -> dict[str, object]:
    return {
        f.name: getattr(store, f.name)
        for f in dataclasses.fields(store)
        if f.name not in ("settings", "resource")
    }


def test_every_repository_method_is_behind_the_boundary(store: Store) -> None:
    repos = repositories(store)
    assert set(repos) >= {"events", "users", "sessions", "waivers", "outbox", "limits", "audit"}
    checked = 0
    for name, repo in repos.items():
        assert isinstance(repo, Repo), name
        for attribute, method in inspect.getmembers(repo, inspect.ismethod):
            if not attribute.startswith("_"):
                assert getattr(method, "__store_boundary__", False), f"{name}.{attribute}"
                checked += 1
    assert checked > 40  # depart, append_payment, ... all of them, not an empty loop


def test_an_unreachable_database_raises_store_unavailable_from_every_kind_of_call() -> None:
    dead = Store.connect(make_settings(f"http://127.0.0.1:{free_port()}"))
    calls: list[Callable[[], object]] = [
        dead.ping,
        lambda: dead.events.get("2026-05-23-bo-whale"),
        lambda: dead.events.upcoming("2026-05-23"),
        lambda: dead.users.get("a@example.com"),
        lambda: dead.outbox.mailer_broken(),
        lambda: dead.events.create({"event_id": "2026-05-23-bo-whale", "date": "2026-05-23"}),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable) as raised:
            call()
        assert isinstance(raised.value.__cause__, (BotoCoreError, ClientError))
        assert not isinstance(raised.value, (BotoCoreError, ClientError))


def test_a_request_dynamodb_calls_invalid_is_a_store_error_not_unavailable(store: Store) -> None:
    with pytest.raises(StoreError) as raised:
        store.events.get("")  # an empty key: DynamoDB's ValidationException
    assert not isinstance(raised.value, StoreUnavailable)
    assert isinstance(raised.value.__cause__, ClientError)
    assert "ValidationException" in str(raised.value)


def test_a_failed_condition_is_still_the_stores_answer_not_an_error(store: Store) -> None:
    event = add_event(store, patron_first_name=f"P{uuid.uuid4().hex[:6]}")
    with pytest.raises(EventExists):
        store.events.create(dict(event))
    assert store.events.get(event["event_id"]) is not None
