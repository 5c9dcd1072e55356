"""The offline queue on the crew's phone: payments logged with no signal are kept in
IndexedDB and land exactly once, in order, as the right user, when the signal is back.

These tests run their own uvicorn (on its own port, against the session's tables) so
they can stop and restart it the way a dead signal really looks from a phone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.helpers import Account, card, sign_in
from server.dev.local import ROOT, free_port, wait_for_port
from server.domain.clock import utc_now_iso
from server.domain.users import hash_password
from server.store import Store

QUEUED = "Saved on this phone — will send when back online."


class AppServer:
    """A uvicorn of our own that a test can stop and start again on the same port."""

    def __init__(self, store: Store, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        settings = store.settings
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}
        self.env.update(
            SCC_SECRET_KEY=str(settings.secret_key),
            SCC_DYNAMODB_ENDPOINT=settings.dynamodb_endpoint or "",
            SCC_TABLE_PREFIX=settings.table_prefix,
            SCC_BASE_URL=self.url,
            SCC_TIMEZONE="America/Los_Angeles",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "server.app:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, timeout=30, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None


@pytest.fixture
def app_server(store: Store, tmp_path: Path) -> Iterator[AppServer]:
    server = AppServer(store, tmp_path / "uvicorn.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def phone(
    app_server: AppServer, browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[BrowserContext]:
    """A phone talking to this test's own server (its own origin, service worker and
    IndexedDB)."""
    args = {**browser_context_args, "base_url": app_server.url}
    context = browser.new_context(**args)
    try:
        yield context
    finally:
        context.close()


def make_account(store: Store, name: str) -> Account:
    import secrets
    import uuid

    account = Account(
        f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", secrets.token_urlsafe(16), name
    )
    store.users.create(
        account.email, account.name, "crew", hash_password(account.password), utc_now_iso()
    )
    return account


def ready_for_offline(page: Page) -> None:
    """Wait for the service worker to control the page, then reload once so the
    dashboard itself is kept for offline reading."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.get_by_role("heading", name="Upcoming trips")).to_be_visible()


def badge(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#queue-badge")


def sent_everything(page: Page) -> None:
    """Wait until the queue on this phone has been sent. The badge is hidden in the
    page as served, so wait for offline.js to have counted zero, not just for hidden."""
    expect(badge(page)).to_have_text("0 payments on this phone", timeout=15_000)
    expect(badge(page)).to_be_hidden()


def queue_payment(page: Page, event_id: str, amount: str, method: str, note: str) -> None:
    """Log a payment through the modal while the server cannot be reached."""
    dialog = page.locator("#payment-dialog")
    if not dialog.is_visible():
        card(page, event_id).get_by_role("link", name=re.compile("^Log Payment")).click()
        expect(dialog).to_be_visible()
    form = dialog.locator("form")
    form.locator("input[name=amount]").fill(amount)
    form.get_by_label(method.capitalize(), exact=True).check()
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_have_text(QUEUED)
    expect(form.locator("input[name=amount]")).to_have_value("")


def stored(store: Store, event_id: str) -> list[dict[str, Any]]:
    item = store.events.get(event_id)
    assert item is not None
    return list(item.get("payments", []))


def test_server_down_three_payments_land_once_in_order_after_restart(
    phone: BrowserContext,
    app_server: AppServer,
    store: Store,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    event_id = event["event_id"]
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)

    app_server.stop()
    for amount, method, note in (
        ("10", "cash", "first"),
        ("20.50", "card", "second"),
        ("30", "check", "third"),
    ):
        queue_payment(page, event_id, amount, method, note)
    page.keyboard.press("Escape")
    expect(badge(page)).to_have_text("3 payments on this phone")
    expect(card(page, event_id).locator(".pending-payments li")).to_have_count(3)
    assert stored(store, event_id) == []

    # The tab is closed and opened again while still offline: the queue and the
    # dashboard are both still there.
    page.close()
    page = phone.new_page()
    page.goto("/dispatch")
    expect(page.locator(".offline-banner")).to_contain_text("Offline — as of")
    expect(badge(page)).to_have_text("3 payments on this phone")
    expect(card(page, event_id).locator(".pending-payments li").first).to_contain_text(
        "$10.00 cash"
    )

    app_server.start()
    page.goto("/dispatch")  # the app starting again sends the queue
    sent_everything(page)
    payments = stored(store, event_id)
    assert [(p["amount"], p["method"], p["note"]) for p in payments] == [
        (Decimal("10"), "cash", "first"),
        (Decimal("20.50"), "card", "second"),
        (Decimal("30"), "check", "third"),
    ]
    assert {p["logged_by"] for p in payments} == {crew.email}
    expect(card(page, event_id).locator(".pending-payments")).to_have_count(0)


def test_browser_offline_mode_queues_and_sends_when_back_online(
    phone: BrowserContext,
    store: Store,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event(total_price="100.00")
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)
    phone.set_offline(True)
    queue_payment(page, event["event_id"], "45", "cash", "offline mode")
    page.keyboard.press("Escape")
    expect(badge(page)).to_have_text("1 payment on this phone")
    phone.set_offline(False)  # the `online` event sends it
    sent_everything(page)
    [payment] = stored(store, event["event_id"])
    assert payment["amount"] == Decimal("45") and payment["logged_by"] == crew.email
    paid = card(page, event["event_id"]).locator(".paid")
    expect(paid).to_have_text("$45.00")


def test_a_payment_that_reached_the_server_before_the_drop_stays_single(
    phone: BrowserContext,
    store: Store,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    page = phone.new_page()
    sign_in(page, crew)

    def deliver_then_drop(route: Any) -> None:
        route.fetch()  # the server gets it and stores it...
        route.abort()  # ...but the answer never reaches the phone

    page.route(re.compile(r"/api/events/[^/]+/payment$"), deliver_then_drop)
    queue_payment(page, event["event_id"], "60", "card", "answer lost")
    assert len(stored(store, event["event_id"])) == 1
    page.unroute(re.compile(r"/api/events/[^/]+/payment$"))
    page.evaluate("window.sccOffline.flush()")
    sent_everything(page)
    [payment] = stored(store, event["event_id"])
    assert payment["amount"] == Decimal("60")


def test_a_refused_payment_is_shown_and_kept_until_discarded(
    phone: BrowserContext,
    store: Store,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)
    phone.set_offline(True)
    queue_payment(page, event["event_id"], "25", "cash", "trip gets cancelled")
    page.keyboard.press("Escape")
    store.events.set_status(event["event_id"], "cancelled")  # meanwhile, at the office
    phone.set_offline(False)
    refused = card(page, event["event_id"]).locator(".pending-payments li.refused")
    expect(refused).to_contain_text("Not accepted", timeout=15_000)
    page.reload()
    expect(badge(page)).to_have_text("1 payment on this phone")
    badge(page).click()
    panel = page.locator("#queue-panel")
    expect(panel).to_contain_text("cancelled")
    assert stored(store, event["event_id"]) == []
    panel.get_by_role("button", name="Discard this payment").click()
    expect(badge(page)).to_be_hidden()
    page.reload()
    expect(badge(page)).to_be_hidden()


def test_a_queued_payment_is_never_sent_as_another_user(
    phone: BrowserContext,
    store: Store,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    alex, blair = make_account(store, "Alex"), make_account(store, "Blair")
    page = phone.new_page()
    sign_in(page, alex)
    ready_for_offline(page)
    blocked = re.compile(r"/api/events/[^/]+/payment$")
    page.route(blocked, lambda route: route.abort())  # Alex's signal is gone for payments
    queue_payment(page, event["event_id"], "15", "cash", "Alex's")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.unroute(blocked)

    sign_in(page, blair)
    expect(badge(page)).to_have_text("1 payment on this phone")
    page.evaluate("window.sccOffline.flush()")
    badge(page).click()
    expect(page.locator("#queue-panel")).to_contain_text(f"Queued by {alex.email}")
    assert stored(store, event["event_id"]) == []

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(page, alex)
    sent_everything(page)
    [payment] = stored(store, event["event_id"])
    assert payment["logged_by"] == alex.email and payment["note"] == "Alex's"
