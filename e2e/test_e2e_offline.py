"""The offline queue on the crew's phone: payments logged with no signal are kept in
IndexedDB and land exactly once, in order, as the right user, when the signal is back.

"No signal" is the phone's own network switched off (Playwright's `set_offline`) or
its payment requests failing, never the server stopped, so every test here runs against
a deployed stage too. What landed is read back through the app (the JSON API, as the
captain), not from the database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, card, sign_in


def kept_message(amount: str, method: str, patron: str) -> str:
    """What the phone says once a payment is kept on it: amount, method and for whom."""
    money = f"${Decimal(amount):,.2f}"
    return f"Saved on this phone: {money} {method} for {patron} — will send when online"


@pytest.fixture
def phone(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    """A phone of its own (its own service worker and IndexedDB), on the stage's URL."""
    context = browser.new_context(**browser_context_args)
    try:
        yield context
    finally:
        context.close()


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
    """Log a payment through the modal while the server cannot be reached: the modal
    closes and the phone says what it kept, for whom."""
    dialog = page.locator("#payment-dialog")
    card(page, event_id).get_by_role("link", name=re.compile("^Log Payment")).click()
    expect(dialog).to_be_visible()
    form = dialog.locator("form")
    form.locator("input[name=amount]").fill(amount)
    form.get_by_label(method.capitalize(), exact=True).check()
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    patron = card(page, event_id).get_attribute("data-patron") or ""
    expect(page.locator("#toast")).to_have_text(kept_message(amount, method, patron))
    # The card already lists it: nothing moves under the next tap.
    money = f"${Decimal(amount):,.2f}"
    expect(card(page, event_id).locator(".pending-payments li").last).to_have_text(
        f"Pending, saved on this phone: {money} {method}"
    )


def stored(desk: CaptainDesk, event_id: str) -> list[dict[str, Any]]:
    """The trip's ledger as the app reports it (the captain's JSON API)."""
    return list(desk.event(event_id)["payments"])


def test_no_signal_three_payments_land_once_in_order_after_reopening(
    phone: BrowserContext,
    desk: CaptainDesk,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    event_id = event["event_id"]
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)

    phone.set_offline(True)
    for amount, method, note in (
        ("10", "cash", "first"),
        ("20.50", "card", "second"),
        ("30", "check", "third"),
    ):
        queue_payment(page, event_id, amount, method, note)
    expect(badge(page)).to_have_text("3 payments on this phone")
    expect(card(page, event_id).locator(".pending-payments li")).to_have_count(3)
    assert stored(desk, event_id) == []

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
    assert stored(desk, event_id) == []

    # The app is closed while there is no signal and opened again once there is: the
    # page opening sends the queue. (With the tab left open, its `online` event would
    # send it instead, racing a reload; that path is the next test's.)
    page.close()
    phone.set_offline(False)
    page = phone.new_page()
    page.goto("/dispatch")
    sent_everything(page)
    # What went is said, in the live region, as the pending marks go (issue 24 item 11).
    patron = event["patron_first_name"]
    expect(page.locator("#toast[role=status][aria-live=polite]")).to_have_text(
        f"Sent: $10.00 cash for {patron}; $20.50 card for {patron}; $30.00 check for {patron}"
    )
    payments = stored(desk, event_id)
    assert [(p["amount"], p["method"], p["note"]) for p in payments] == [
        ("10.00", "cash", "first"),
        ("20.50", "card", "second"),
        ("30.00", "check", "third"),
    ]
    assert {p["logged_by"] for p in payments} == {crew.email}
    expect(card(page, event_id).locator(".pending-payments")).to_have_count(0)
    # Sent once: the page opened again does not send anything a second time.
    page.reload()
    sent_everything(page)
    assert len(stored(desk, event_id)) == 3


@pytest.mark.screens
def test_browser_offline_mode_queues_and_sends_when_back_online(
    phone: BrowserContext,
    desk: CaptainDesk,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
    shoot: Callable[[Page, str], None],
) -> None:
    event = make_event(total_price="200.00", start_time="00:00")
    event_id, patron = event["event_id"], event["patron_first_name"]
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)
    banner = page.locator("#offline-now")
    expect(banner).to_have_count(0)
    phone.set_offline(True)
    # Said at once, without a reload.
    expect(banner).to_have_text(re.compile(r"^Offline — no connection\. Payments you log"))
    shoot(page, "crew-offline-banner")

    # The form the phone builds offline names the trip; saving closes it and says what
    # was kept, for whom.
    card(page, event_id).get_by_role("link", name=re.compile("^Log Payment")).click()
    form = page.locator("#payment-dialog form")
    expect(form.locator(".offline-trip")).to_contain_text(f"{patron} · whale · Today")
    form.locator("input[name=amount]").fill("250")
    form.get_by_label("Cash", exact=True).check()
    # More than the balance due asks first, offline too; the same amount again keeps it.
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_have_text(
        "$250.00 is $50.00 more than the balance due. Check the amount, or tap Save again"
        " to keep it as an overpayment."
    )
    expect(page.locator("#payment-dialog")).to_be_visible()
    expect(badge(page)).to_be_hidden()
    form.locator("button[type=submit]").click()
    expect(page.locator("#payment-dialog")).to_be_hidden()
    expect(page.locator("#toast")).to_have_text(kept_message("250", "cash", patron))
    expect(badge(page)).to_have_text("1 payment on this phone")
    shoot(page, "crew-offline-saved")
    phone.set_offline(False)  # the `online` event sends it, and the banner goes
    expect(banner).to_have_count(0)
    sent_everything(page)
    expect(page.locator("#toast")).to_have_text(f"Sent: $250.00 cash for {patron}")
    [payment] = stored(desk, event_id)
    assert payment["amount"] == "250.00" and payment["logged_by"] == crew.email
    paid = card(page, event_id).locator(".paid")
    expect(paid).to_have_text("$250.00")
    expect(card(page, event_id).locator(".balance.overpaid dd")).to_have_text("$50.00")
    assert card(page, event_id).get_attribute("data-balance-due") == "-50.00"


def test_a_payment_that_reached_the_server_before_the_drop_stays_single(
    phone: BrowserContext,
    desk: CaptainDesk,
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
    assert len(stored(desk, event["event_id"])) == 1
    page.unroute(re.compile(r"/api/events/[^/]+/payment$"))
    page.evaluate("window.sccOffline.flush()")
    sent_everything(page)
    [payment] = stored(desk, event["event_id"])
    assert payment["amount"] == "60.00"


def test_a_refused_payment_is_shown_and_kept_until_discarded(
    phone: BrowserContext,
    desk: CaptainDesk,
    crew: Account,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    page = phone.new_page()
    sign_in(page, crew)
    ready_for_offline(page)
    phone.set_offline(True)
    queue_payment(page, event["event_id"], "25", "cash", "trip gets cancelled")
    desk.cancel_event(event["event_id"])  # meanwhile, at the office
    phone.set_offline(False)
    refused = card(page, event["event_id"]).locator(".pending-payments li.refused")
    expect(refused).to_contain_text("Not accepted", timeout=15_000)
    page.reload()
    expect(badge(page)).to_have_text("1 payment on this phone")
    badge(page).click()
    panel = page.locator("#queue-panel")
    expect(panel).to_contain_text("cancelled")
    assert stored(desk, event["event_id"]) == []
    # The fix form holds the server's amount rule (issue 25): a loose amount stays put.
    fix = panel.locator("form.fix-form")
    amount = fix.locator("input[name=amount]")
    amount.fill("12.345")
    fix.get_by_role("button", name="Send again").click()
    assert amount.evaluate("el => el.validity.patternMismatch") is True
    amount.fill("100001")  # the shape of an amount, but over the server's cap
    fix.get_by_role("button", name="Send again").click()
    assert amount.evaluate("el => el.validationMessage").startswith("Enter an amount")
    expect(badge(page)).to_have_text("1 payment on this phone")
    panel.get_by_role("button", name="Discard this payment").click()
    expect(badge(page)).to_be_hidden()
    page.reload()
    expect(badge(page)).to_be_hidden()


def test_a_queued_payment_is_never_sent_as_another_user(
    phone: BrowserContext,
    desk: CaptainDesk,
    make_event: Callable[..., dict[str, Any]],
) -> None:
    event = make_event()
    alex, blair = desk.add_crew("Qa Alex"), desk.add_crew("Qa Blair")
    page = phone.new_page()
    sign_in(page, alex)
    ready_for_offline(page)
    blocked = re.compile(r"/api/events/[^/]+/payment$")
    page.route(blocked, lambda route: route.abort())  # Alex's signal is gone for payments
    queue_payment(page, event["event_id"], "15", "cash", "Alex's")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.unroute(blocked)

    sign_in(page, blair)
    expect(badge(page)).to_have_text("1 payment on this phone")
    page.evaluate("window.sccOffline.flush()")
    badge(page).click()
    expect(page.locator("#queue-panel")).to_contain_text(f"Queued by {alex.email}")
    assert stored(desk, event["event_id"]) == []

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(page, alex)
    sent_everything(page)
    [payment] = stored(desk, event["event_id"])
    assert payment["logged_by"] == alex.email and payment["note"] == "Alex's"
