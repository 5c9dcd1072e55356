"""Browser (e2e) fixtures: Playwright in Debian's Chromium, an iPhone-sized profile.

By default (and in CI) the session starts its own dynalite, creates tables under a
fresh prefix and serves the app with a real uvicorn subprocess. Given pytest-playwright's
`--base-url` (`make e2e BASE_URL=https://staging.example`) it starts nothing and runs
against that URL; tests that must seed data through the Store skip there, and only there.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright

from e2e.helpers import Account
from server.dev.local import ROOT, free_port, start_dynalite, stop, wait_for_port, wait_healthy
from server.domain.clock import today_in, utc_now_iso
from server.domain.event_form import validate_new_event
from server.domain.money import parse_amount
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.domain.users import hash_password
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEVICE = "iPhone 13"
SECRET = "e2e-secret-key-" + secrets.token_urlsafe(32)
NEEDS_DB = "needs direct database access; not available against a remote --base-url"
START_TIMEOUT = 30.0


# --- where the app is: a remote --base-url, or a local stack started here ------------


def _remote_base_url(config: pytest.Config) -> str | None:
    url = config.getoption("--base-url", default=None)
    if not url:
        try:
            url = config.getini("base_url")
        except ValueError:  # the ini key is not registered
            url = None
    return str(url).rstrip("/") if url else None


@dataclass(frozen=True)
class LocalStack:
    base_url: str
    store: Store


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """dynalite + fresh tables + `uvicorn server.app:app`, for the whole session."""
    dynalite_port = free_port()
    dynalite = start_dynalite(dynalite_port, fast=True)
    try:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        app_env = {
            "SCC_SECRET_KEY": SECRET,
            "SCC_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{dynalite_port}",
            "SCC_TABLE_PREFIX": f"e2e{uuid.uuid4().hex[:10]}-",
            "SCC_BASE_URL": base_url,
            "SCC_TIMEZONE": "America/Los_Angeles",
        }
        settings = Settings.from_env(app_env)
        init_tables(settings, poll_seconds=0.05, say=lambda _: None)
        store = Store.connect(settings)
        # The developer's own SCC_* / GMAIL_* settings must not leak into the test server
        # (a real GMAIL_TOKEN would send mail).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}
        env.update(app_env)
        log = tmp_path_factory.mktemp("e2e-server") / "uvicorn.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "server.app:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, timeout=START_TIMEOUT, proc=server)
            wait_healthy(base_url, server, log, timeout=START_TIMEOUT)
            yield LocalStack(base_url=base_url, store=store)
        finally:
            stop(server)
    finally:
        stop(dynalite)


@pytest.fixture(scope="session")
def remote_base_url(pytestconfig: pytest.Config) -> str | None:
    return _remote_base_url(pytestconfig)


@pytest.fixture(scope="session")
def base_url(remote_base_url: str | None, request: pytest.FixtureRequest) -> str:
    """pytest-playwright's base URL: `--base-url` when given (nothing is started),
    otherwise the local server this session starts."""
    if remote_base_url:
        return remote_base_url
    stack: LocalStack = request.getfixturevalue("local_stack")
    return stack.base_url


@pytest.fixture(scope="session")
def store(remote_base_url: str | None, request: pytest.FixtureRequest) -> Store:
    """Direct access to the local server's tables; skips against a remote --base-url."""
    if remote_base_url:
        pytest.skip(NEEDS_DB)
    stack: LocalStack = request.getfixturevalue("local_stack")
    return stack.store


# --- browser: Debian's Chromium, iPhone 13 profile -----------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"headless": True, **browser_type_launch_args, "args": CHROMIUM_ARGS}
    if CHROMIUM.exists():
        args["executable_path"] = str(CHROMIUM)
    return args


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    device = {k: v for k, v in playwright.devices[DEVICE].items() if k != "default_browser_type"}
    return {**device, **browser_context_args}


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    """Run a test with JavaScript on and off."""
    enabled: bool = request.param
    return enabled


@pytest.fixture
def js_page(js: bool, new_context: Callable[..., BrowserContext]) -> Page:
    """A fresh page in a context with JavaScript on or off (see `js`)."""
    context = new_context(java_script_enabled=js)
    return context.new_page()


@pytest.fixture
def nojs_page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context(java_script_enabled=False).new_page()


# --- data: one crew account per session, fresh events per test ----------------------


@pytest.fixture(scope="session")
def crew(store: Store) -> Account:
    account = Account(
        email=f"crew-{uuid.uuid4().hex[:8]}@example.com",
        password=secrets.token_urlsafe(16),
        name="Robin Deckhand",
    )
    store.users.create(
        account.email, account.name, "crew", hash_password(account.password), utc_now_iso()
    )
    return account


@pytest.fixture(scope="session")
def captain(store: Store) -> Account:
    account = Account(
        email=f"captain-{uuid.uuid4().hex[:8]}@example.com",
        password=secrets.token_urlsafe(16),
        name="Casey Skipper",
    )
    store.users.create(
        account.email, account.name, "captain", hash_password(account.password), utc_now_iso()
    )
    return account


def _unique_letters(n: int = 6) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


@pytest.fixture
def make_event(store: Store) -> Callable[..., dict[str, Any]]:
    """Create an event with a unique patron name; `paid` adds a stored payment."""

    def create(*, days_ahead: int = 0, paid: str | None = None, **fields: str) -> dict[str, Any]:
        values = {
            "date": (today_in(store.settings.timezone) + timedelta(days=days_ahead)).isoformat(),
            "first_name": "Mira" + _unique_letters(),
            "period": "whale",
            "start_time": "09:30",
            "party_size": "5",
            "capacity": "12",
            "duration_minutes": "180",
            "total_price": "500.00",
            "boat": "Orca",
            "meeting_point": "Dock B",
            **fields,
        }
        item = validate_new_event(values)
        store.events.create(item)
        if paid is not None:
            entry = {
                "payment_id": str(uuid.uuid4()),
                "kind": "payment",
                "amount": parse_amount(paid),
                "method": "card",
                "note": "Deposit at booking",
                "logged_by": "captain@example.com",
                "logged_by_name": "Casey Captain",
                "logged_at": utc_now_iso(),
            }
            # The same call the app makes (see server.dispatch._record).
            item = store.events.append_payment(
                item["event_id"], entry, MAX_ENTRIES, MAX_LEDGER_BYTES
            )
        return item

    return create
