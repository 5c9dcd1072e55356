"""Integration fixtures: one real dynalite per test session, one table set and one boto3
resource per session, every item cleared before each test (so each starts on empty
tables, as with fresh ones). No mocks of boto3 stand in for DynamoDB."""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.loaders
import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from server.app import create_app
from server.dev.local import free_port, start_dynalite
from server.domain import users
from server.domain.clock import today_in, utc_now_iso
from server.domain.event_form import validate_new_event
from server.domain.records import Event
from server.domain.users import hash_password
from server.settings import Settings
from server.store import Store
from server.store.client import make_resource
from server.store.tables import TABLES, init_tables
from server.web.cookies import csrf_cookie_name, session_cookie_name
from tests.app_role import check_calls
from tests.fake_gmail import FakeGmail
from tests.fake_stripe import FakeStripe

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery staple"


# Argon2id as the app runs it, with the cheapest parameters argon2 accepts: every hash and
# sign-in of the tests is the app's code path (hash_password, check_password, the dummy
# hash of unknown users), without ~0.25 CPU-s per hash (half the CPU of the security
# tests). The production parameters are pinned by
# tests/integration/test_argon2_parameters.py, which puts PRODUCTION_HASHER back.
PRODUCTION_HASHER = users.hasher
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> Iterator[None]:
    users.hasher = CHEAP_HASHER
    users.dummy_hash.cache_clear()
    yield
    users.hasher = PRODUCTION_HASHER
    users.dummy_hash.cache_clear()


@cache
def password_hash() -> str:
    """PASSWORD's Argon2 hash, made once a session (with the session's hasher)."""
    return hash_password(PASSWORD)


# botocore's JSON data (service models, endpoints, partitions), parsed once a process.
# Each boto3 Session has a Loader of its own that parses again every file it reads, and
# the tests make many sessions (each mock_aws() resets the default session; every
# Store.connect, every `scc deploy` makes one): test_deploy.py spent a quarter of its CPU
# (18 of 73 s) decoding the same files. The files never change during a run, and one
# Loader already hands the same parsed dicts to every client of its session.
_json_file = botocore.loaders.JSONFileLoader.load_file


@cache
def _parsed_once(file_path: str) -> Any:
    return _json_file(botocore.loaders.JSONFileLoader(), file_path)


botocore.loaders.JSONFileLoader.load_file = (  # type: ignore[method-assign]
    lambda self, file_path: _parsed_once(file_path)
)


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


def new_tables(endpoint: str, **extra: str) -> Settings:
    """Settings on a table set of their own (a new prefix), its tables created."""
    settings = make_settings(endpoint, **extra)
    init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    return settings


@pytest.fixture(scope="session")
def shared_tables(dynalite_endpoint: str) -> Settings:
    """The session's one table set (created once: seven tables cost ~0.5 s a test)."""
    return new_tables(dynalite_endpoint)


@pytest.fixture(scope="session")
def shared_resource(shared_tables: Settings) -> DynamoDBServiceResource:
    """The session's one boto3 resource, instrumented and recorded as the app's is."""
    return make_resource(shared_tables)


@pytest.fixture(scope="session")
def cleaner(shared_tables: Settings) -> DynamoDBClient:
    """A plain client (not recorded: its Scans are the tests', not the app's)."""
    return boto3.session.Session().client(
        "dynamodb",
        region_name=shared_tables.aws_region,
        endpoint_url=shared_tables.dynamodb_endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def clear_tables(client: DynamoDBClient, settings: Settings) -> None:
    """Delete every item of the table set (a few per test, so a few calls)."""
    for table, spec in TABLES.items():
        name = settings.table_name(table)
        keys = [k["AttributeName"] for k in spec["KeySchema"]]
        for page in client.get_paginator("scan").paginate(
            TableName=name,
            ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
            ExpressionAttributeNames={f"#k{i}": k for i, k in enumerate(keys)},
        ):
            items = page.get("Items", [])
            for start in range(0, len(items), 25):
                requests = [{"DeleteRequest": {"Key": key}} for key in items[start : start + 25]]
                unsent: Any = {name: requests}
                while unsent:
                    unsent = client.batch_write_item(RequestItems=unsent).get("UnprocessedItems")


def connect(settings: Settings, resource: DynamoDBServiceResource) -> Store:
    """A Store on `resource` (fresh repositories, so no cache outlives a test)."""
    return Store.on(settings, resource)


@pytest.fixture
def settings(shared_tables: Settings, cleaner: DynamoDBClient) -> Settings:
    """The session's table set, emptied for this test."""
    clear_tables(cleaner, shared_tables)
    return shared_tables


@pytest.fixture
def store(settings: Settings, shared_resource: DynamoDBServiceResource) -> Store:
    return connect(settings, shared_resource)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    """The Stripe stand-in (tests/fake_stripe.py), a local HTTP server for this test."""
    stand_in = FakeStripe().start()
    try:
        yield stand_in
    finally:
        stand_in.stop()


@pytest.fixture
def pay_store(store_with: Callable[..., Store], fake: FakeStripe) -> Store:
    """A store whose settings take online payments, through the Stripe stand-in."""
    return store_with(**fake.env())


@pytest.fixture
def store_with(
    settings: Settings, shared_resource: DynamoDBServiceResource
) -> Callable[..., Store]:
    """A Store on the session's (emptied) tables with more settings (SCC_... = value)."""

    def make(**extra: str) -> Store:
        env = {"SCC_TABLE_PREFIX": settings.table_prefix, **extra}
        return connect(make_settings(settings.dynamodb_endpoint or "", **env), shared_resource)

    return make


@pytest.fixture
def private_store(dynalite_endpoint: str) -> Store:
    """Tables of this test's own (a new prefix), for the tests about creating tables or
    about every call the app makes on them."""
    return Store.connect(new_tables(dynalite_endpoint))


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
    store.users.create(email, name, role, password_hash(), utc_now_iso())
    return email


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, store: Store, role: str = "crew") -> str:
    """A new user of `role`, signed in by writing the session as /login does (the
    sign-in form's own tests use `sign_in_through_form`); returns the CSRF token of the
    new session (tokens are bound to the session)."""
    email = add_user(store, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role)
    session_id = secrets.token_urlsafe(32)
    now = int(time.time())
    user = {"email": email, "name": "Pat Crew", "role": role}
    day = 24 * 3600
    store.sessions.create(
        hashlib.sha256(session_id.encode()).hexdigest(),
        user,
        now,
        now + store.settings.session_max_days * day,
    )
    client.cookies.set(session_cookie_name(store.settings), session_id)
    client.cookies.set(csrf_cookie_name(store.settings), secrets.token_urlsafe(32))
    return csrf_from(client.get("/dispatch").text)


def sign_in_through_form(client: TestClient, store: Store, role: str = "crew") -> str:
    """Sign in a new user of `role` through the real form (Argon2 and all); returns the
    CSRF token of the new session."""
    email = add_user(store, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/dispatch").text)


def add_event(store: Store, days_ahead: int = 0, **fields: Any) -> Event:
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


@pytest.fixture
def gmail() -> Iterator[FakeGmail]:
    """A local Gmail API stand-in (tests/fake_gmail.py)."""
    fake = FakeGmail().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def mail_store(store_with: Callable[..., Store], gmail: FakeGmail) -> Store:
    """A Store whose app sends through the Gmail stand-in."""
    from tests.helpers.flows import gmail_env  # (it imports this module's helpers)

    return store_with(**gmail_env(gmail))


@pytest.fixture
def mail_client(mail_store: Store) -> Iterator[TestClient]:
    with TestClient(
        create_app(mail_store.settings, mail_store), base_url="https://crew.charter.example"
    ) as client:
        yield client
