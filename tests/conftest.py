"""Integration fixtures: one real dynalite per test session, a fresh table prefix (and
so fresh tables) per test. No mocks of boto3 stand in for DynamoDB."""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.dev.local import free_port, start_dynalite
from server.domain.clock import today_in, utc_now_iso
from server.domain.event_form import validate_new_event
from server.domain.users import hash_password
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables
from tests.app_role import check_calls

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery staple"
# Every AWS call the app's clients make in this test session (server/call_log.py); at
# the session's end each must be allowed by infra/template.yaml's AppRole.
CALL_LOG = Path(tempfile.mkdtemp(prefix="scc-aws-calls-")) / "calls.jsonl"


@pytest.fixture(scope="session", autouse=True)
def calls_allowed_by_the_app_role() -> Iterator[None]:
    """After the last test: the app asked AWS only for what AppRole allows (its
    teardown fails the session otherwise, naming each operation and table)."""
    yield
    check_calls(CALL_LOG)
    shutil.rmtree(CALL_LOG.parent)  # kept, and named in the message, when it fails


@pytest.fixture(scope="session")
def dynalite_endpoint() -> Iterator[str]:
    port = free_port()
    proc = start_dynalite(port, fast=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def make_settings(endpoint: str, **extra: str) -> Settings:
    env = {
        "SCC_SECRET_KEY": SECRET,
        "SCC_DYNAMODB_ENDPOINT": endpoint,
        "SCC_TABLE_PREFIX": f"t{uuid.uuid4().hex[:12]}-",
        "SCC_TIMEZONE": "America/Los_Angeles",
        "SCC_BASE_URL": "http://testserver",  # the host TestClient sends
        "SCC_AWS_CALL_LOG": str(CALL_LOG),
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture
def settings(dynalite_endpoint: str) -> Settings:
    return make_settings(dynalite_endpoint)


@pytest.fixture
def store(settings: Settings) -> Store:
    init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    return Store.connect(settings)


@pytest.fixture
def cli_env(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the `scc` commands read, pointing at this test's tables."""
    monkeypatch.setenv("SCC_SECRET_KEY", SECRET)
    monkeypatch.setenv("SCC_DYNAMODB_ENDPOINT", store.settings.dynamodb_endpoint or "")
    monkeypatch.setenv("SCC_TABLE_PREFIX", store.settings.table_prefix)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings, store)) as test_client:
        yield test_client


def add_user(store: Store, email: str, role: str = "crew", name: str = "Pat Crew") -> str:
    store.users.create(email, name, role, hash_password(PASSWORD), utc_now_iso())
    return email


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, store: Store, role: str = "crew") -> str:
    """Sign in a new user of `role` through the real form; returns the CSRF token of
    the new session (tokens are bound to the session)."""
    email = add_user(store, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/dispatch").text)


def add_event(store: Store, days_ahead: int = 0, **fields: Any) -> dict[str, Any]:
    values = {
        "date": (today_in(store.settings.timezone) + timedelta(days=days_ahead)).isoformat(),
        "first_name": "Alice",
        "period": "whale",
        "start_time": "09:30",
        "party_size": "6",
        "total_price": "1200.00",
        "boat": "Orca",
        **{k: str(v) for k, v in fields.items()},
    }
    item = validate_new_event(values)
    store.events.create(item)
    return item


HX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}
