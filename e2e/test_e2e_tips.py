"""Tips on the iPhone profile (issue 27): logging $200 with a $40 tip (JavaScript on and
off), a tip kept offline with its payment, and the captain recording a payout that the
crew member then sees under My tips. What landed is read back through the app."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.desk import CaptainDesk, letters
from e2e.helpers import Account, card, fact, log_payment_link, sign_in, wait_for_htmx

MakeEvent = Callable[..., dict[str, Any]]


@pytest.mark.screens
def test_logging_200_with_a_40_tip(
    js_page: Page,
    js: bool,
    crew: Account,
    desk: CaptainDesk,
    make_event: MakeEvent,
    shoot: Callable[[Page, str], None],
) -> None:
    page = js_page
    event = make_event(total_price="200.00", start_time="00:00")
    event_id = event["event_id"]
    sign_in(page, crew)
    if js:
        wait_for_htmx(page)
        log_payment_link(card(page, event_id)).click()
        form = page.locator("dialog#payment-dialog form")
        expect(form.get_by_label("Tip (USD)")).to_be_visible()
    else:
        page.goto(f"/dispatch/events/{event_id}/payment")
        form = page.locator("form#payment-form")
    form.get_by_label("Amount (USD)").fill("200")
    form.get_by_label(re.compile(r"^Tip \(USD\)")).fill("40")
    form.get_by_label("Card").check()
    shoot(page, f"tips-log-payment-{'js' if js else 'nojs'}")
    form.get_by_role("button", name="Save payment").click()
    the_card = card(page, event_id)
    if js:
        expect(page.locator("#toast")).to_have_text(
            f"Saved $200.00 card + $40.00 tip for {event['patron_first_name']}."
        )
    else:
        expect(page.locator("p.notice")).to_contain_text("Payment saved: $200.00 card + $40.00 tip")
    # The tip is never part of the price: nothing is due, nothing is overpaid.
    expect(fact(the_card, "Paid")).to_have_text("$200.00")
    expect(fact(the_card, "Balance due")).to_have_text("$0.00")
    expect(fact(the_card, "Tips")).to_have_text("$40.00")
    stored = desk.event(event_id)
    assert (stored["paid"], stored["tips"], stored["balance_due"]) == ("200.00", "40.00", "0.00")
    assert [p["tip"] for p in stored["payments"]] == ["40.00"]


@pytest.fixture
def phone(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    """A phone of its own (its own service worker and IndexedDB)."""
    context = browser.new_context(**browser_context_args)
    try:
        yield context
    finally:
        context.close()


def test_a_tip_logged_offline_lands_with_its_payment(
    phone: BrowserContext, crew: Account, desk: CaptainDesk, make_event: MakeEvent
) -> None:
    event = make_event(total_price="300.00")
    event_id = event["event_id"]
    page = phone.new_page()
    sign_in(page, crew)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.get_by_role("heading", name="Upcoming trips")).to_be_visible()

    phone.set_offline(True)
    log_payment_link(card(page, event_id)).click()
    dialog = page.locator("#payment-dialog")
    expect(dialog).to_be_visible()
    form = dialog.locator("form")
    form.locator("input[name=amount]").fill("0")  # a tip alone: "they handed us $60"
    form.locator("input[name=tip]").fill("60")
    form.get_by_label("Cash", exact=True).check()
    form.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    patron = event["patron_first_name"]
    expect(page.locator("#toast")).to_have_text(
        f"Saved on this phone: $0.00 cash + $60.00 tip for {patron} — will send when online"
    )
    expect(card(page, event_id).locator(".pending-payments li")).to_have_text(
        "Pending, saved on this phone: $0.00 cash + $60.00 tip"
    )
    assert desk.event(event_id)["payments"] == []

    phone.set_offline(False)
    page.goto("/dispatch")
    expect(page.locator("#queue-badge")).to_have_text("0 payments on this phone", timeout=15_000)
    stored = desk.event(event_id)
    assert [(p["amount"], p["tip"], p["method"]) for p in stored["payments"]] == [
        ("0.00", "60.00", "cash")
    ]
    assert (stored["tips"], stored["balance_due"]) == ("60.00", "300.00")
    # The queue may have sent on the `online` event, before this page loaded: the card
    # is then the one the server rendered after the payment, read again here.
    page.reload()
    expect(fact(card(page, event_id), "Tips")).to_have_text("$60.00")


@pytest.mark.screens
def test_the_captain_records_a_payout_and_the_crew_member_sees_it(
    js: bool,
    new_context: Callable[..., BrowserContext],
    captain: Account,
    crew: Account,
    app_today: date,
    shoot: Callable[[Page, str], None],
) -> None:
    note = f"dock cash {letters(6)}"
    page = new_context(java_script_enabled=js).new_page()
    sign_in(page, captain)
    page.goto("/admin/tips")
    expect(page.get_by_role("heading", name="Tips", exact=True)).to_be_visible()
    form = page.locator("#payout-form")
    form.get_by_label("Crew member").select_option(crew.email)
    form.get_by_label("Amount (USD)").fill("13.57")
    form.get_by_label("In cash (at day's end)").check()
    form.get_by_label("Paid on").fill(app_today.isoformat())
    form.get_by_label(re.compile("^Note")).fill(note)
    shoot(page, f"tips-admin-payout-{'js' if js else 'nojs'}")
    form.get_by_role("button", name="Record payout").click()
    expect(page.get_by_text("Payout recorded.")).to_be_visible()
    section = page.locator("section.crew-tips", has_text=crew.email)
    expect(section.locator("li.payout", has_text=note)).to_contain_text("$13.57 cash")
    # A bad amount is refused beside its field, and nothing is recorded.
    form = page.locator("#payout-form")
    form.get_by_label("Crew member").select_option(crew.email)
    form.get_by_label("Amount (USD)").fill("0")  # the pattern lets it by; the server not
    form.get_by_label("With payroll").check()
    form.get_by_label("Paid on").fill(app_today.isoformat())
    form.get_by_role("button", name="Record payout").click()
    expect(page.locator("#amount-error")).to_contain_text("more than zero")
    expect(page.get_by_label("Amount (USD)")).to_have_value("0")

    mine = new_context(java_script_enabled=js).new_page()
    sign_in(mine, crew)
    mine.get_by_role("link", name="My tips").click()
    expect(mine.get_by_role("heading", name="My tips")).to_be_visible()
    expect(mine.locator("li.payout", has_text=note)).to_contain_text("$13.57 cash")
    expect(mine.locator("select#email")).to_have_count(0)  # no one else's, no payout form
    shoot(mine, f"tips-my-tips-{'js' if js else 'nojs'}")
