"""Log Payment: the htmx modal, validation, double taps, keyboard use and the no-JS path."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.desk import CaptainDesk
from e2e.helpers import (
    Account,
    CspWatch,
    card,
    event_json,
    fact,
    log_payment_link,
    sign_in,
    wait_for_htmx,
)

MakeEvent = Callable[..., dict[str, Any]]


def dialog(page: Page) -> Locator:
    return page.locator("dialog#payment-dialog")


def open_payment_dialog(page: Page, event_id: str) -> Locator:
    """Click the card's Log Payment link; the modal opens with the amount focused."""
    log_payment_link(card(page, event_id)).click()
    box = dialog(page)
    expect(box).to_be_visible()
    expect(box).to_have_attribute("open", "")
    expect(box.get_by_role("heading", name="Log Payment")).to_be_visible()
    expect(box.locator("#amount")).to_be_focused()
    return box


def signed_in_dashboard(page: Page, crew: Account) -> None:
    sign_in(page, crew)
    wait_for_htmx(page)
    page.evaluate("window.__e2eSamePage = true")


def assert_same_page(page: Page) -> None:
    assert page.evaluate("window.__e2eSamePage === true"), "the page was reloaded"


def test_log_payment_in_the_modal(page: Page, crew: Account, make_event: MakeEvent) -> None:
    # The first card on the dashboard (earliest start), so nothing fixed covers it.
    event = make_event(total_price="500.00", start_time="00:00")
    event_id = event["event_id"]
    signed_in_dashboard(page, crew)

    box = open_payment_dialog(page, event_id)
    first_key = box.locator("input[name=payment_id]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", first_key)
    box.get_by_label("Amount (USD)").fill("40")
    box.get_by_label("Cash").check()
    box.get_by_label(re.compile("^Note")).fill("Tip jar, skipper's float")
    box.get_by_role("button", name="Save payment").click()

    expect(box).to_be_hidden()
    the_card = card(page, event_id)
    expect(fact(the_card, "Paid")).to_have_text("$40.00")
    expect(fact(the_card, "Balance due")).to_have_text("$460.00")
    expect(fact(the_card, "Payments")).to_have_text("1")
    expect(page.locator("#toast")).to_have_text(
        f"Saved $40.00 cash for {event['patron_first_name']}."
    )
    assert_same_page(page)
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 1
    assert stored["paid"] == "40.00"
    assert stored["payments"][0]["payment_id"] == first_key
    assert stored["payments"][0]["note"] == "Tip jar, skipper's float"

    # Open it again: a clean form with a new idempotency key.
    box = open_payment_dialog(page, event_id)
    expect(box.get_by_label("Amount (USD)")).to_have_value("")
    expect(box.get_by_label(re.compile("^Note"))).to_have_value("")
    expect(box.locator("input[name=method]:checked")).to_have_count(0)
    expect(box.locator(".field-error, .form-error")).to_have_count(0)
    second_key = box.locator("input[name=payment_id]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", second_key)
    assert second_key != first_key
    assert_same_page(page)


def test_toast_leaves_the_last_card_usable(
    page: Page, crew: Account, make_event: MakeEvent, desk: CaptainDesk, app_today: date
) -> None:
    """Two payments in a row on the last trip of a long list (a split bill): after the
    first, the confirmation toast must not leave the card's Log Payment link untappable."""
    # The last card on the dashboard: a day after every trip on the stage (these trips
    # are cancelled at the end like all others, and drop off the dashboard after it).
    day = max(app_today + timedelta(days=60), desk.last_trip_day() + timedelta(days=1))
    for _ in range(3):  # enough cards before ours that the list is taller than the screen
        make_event(day=day, start_time="06:00")
    event = make_event(day=day, start_time="09:30", total_price="500.00")  # the last card
    event_id = event["event_id"]
    sign_in(page, crew)
    # The board shows a few days at a time; that day's page is one link away.
    page.goto(f"/dispatch?from={day.isoformat()}")
    wait_for_htmx(page)
    page.evaluate("window.__e2eSamePage = true")

    box = open_payment_dialog(page, event_id)
    box.get_by_label("Amount (USD)").fill("40")
    box.get_by_label("Cash").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Saved $40.00 cash")

    link = log_payment_link(card(page, event_id))
    link.scroll_into_view_if_needed()
    problem = None
    try:
        link.click(timeout=8000)
    except PlaywrightTimeout as exc:
        problem = str(exc)
    if problem is not None:
        covered = 'id="toast"' in problem and "intercepts pointer events" in problem
        pytest.fail(
            "could not tap the last card's Log Payment link after saving a payment: "
            + (
                "the #toast (position: fixed at the bottom, never dismissed) covers it"
                if covered
                else problem
            ),
            pytrace=False,
        )
    expect(box).to_be_visible()
    expect(box.get_by_label("Amount (USD)")).to_have_value("")
    assert_same_page(page)


@pytest.mark.parametrize(
    ("amount", "message", "bypass_browser_checks"),
    [
        ("0", "The amount must be more than zero.", False),
        ("100001", "The amount cannot be more than $100,000.00.", False),
        ("abc", "Enter an amount in dollars and cents, like 40 or 1,200.50.", True),
    ],
    ids=["zero", "too-much", "not-a-number"],
)
def test_server_validation_error_shows_inline(
    page: Page,
    crew: Account,
    make_event: MakeEvent,
    amount: str,
    message: str,
    bypass_browser_checks: bool,
) -> None:
    event_id = make_event()["event_id"]
    signed_in_dashboard(page, crew)
    box = open_payment_dialog(page, event_id)
    key = box.locator("input[name=payment_id]").input_value()
    if bypass_browser_checks:  # the pattern attribute would stop "abc" in the browser
        box.locator("form").evaluate("form => { form.noValidate = true; }")
    box.get_by_label("Amount (USD)").fill(amount)
    box.get_by_label("Check").check()
    box.get_by_label(re.compile("^Note")).fill("cheque no. 1234")
    with page.expect_response(re.compile(rf"/api/events/{event_id}/payment$")) as answer:
        box.get_by_role("button", name="Save payment").click()
    assert answer.value.status == 422

    amount_field = box.get_by_label("Amount (USD)")
    error = box.locator(".field-error")
    expect(error).to_have_text(message)
    expect(box).to_be_visible()
    expect(error).to_have_id("amount-error")
    expect(amount_field).to_have_attribute("aria-invalid", "true")
    expect(amount_field).to_have_attribute("aria-describedby", "amount-error")
    expect(amount_field).to_be_focused()
    # What the user typed is still there, and the form keeps its key for a retry.
    expect(amount_field).to_have_value(amount)
    expect(box.get_by_label("Check")).to_be_checked()
    expect(box.get_by_label(re.compile("^Note"))).to_have_value("cheque no. 1234")
    expect(box.locator("input[name=payment_id]")).to_have_value(key)
    # Nothing stored, nothing changed on the card, no confirmation.
    expect(fact(card(page, event_id), "Payments")).to_have_text("0")
    expect(page.locator("#toast")).to_be_empty()
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 0
    assert stored["payments"] == []
    assert_same_page(page)


def test_htmx_re_renders_a_styled_element_without_a_csp_violation(
    page: Page, crew: Account, make_event: MakeEvent, no_csp_violations: CspWatch
) -> None:
    """htmx's settle step copies an element's `style` attribute onto its new copy with
    setAttribute, which the CSP (style-src 'self', no inline style) refuses: one console
    error per styled element in every swap. A style given through the CSSOM (which the
    CSP allows: a script's, the browser's, an extension's) must not become one, so
    base.html's htmx-config settles class, width and height only. Walked here: a save
    after a validation error, and the overpay question answered "Yes"."""
    event = make_event(total_price="100.00", start_time="00:00")
    event_id = event["event_id"]
    signed_in_dashboard(page, crew)
    styled = "el => { el.style.outlineOffset = '1px'; }"
    card(page, event_id).evaluate(styled)  # the card comes back out of band on a save
    box = open_payment_dialog(page, event_id)
    amount = box.get_by_label("Amount (USD)")
    amount.evaluate(styled)  # the form is swapped with each answer
    amount.fill("0")
    box.get_by_label("Cash").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box.locator("#amount-error")).to_have_text("The amount must be more than zero.")
    amount.evaluate(styled)
    amount.fill("150")
    box.get_by_role("button", name="Save payment").click()
    yes = box.get_by_role("button", name=re.compile(r"^Yes, log \$150\.00"))
    expect(yes).to_be_focused()
    yes.click()
    expect(box).to_be_hidden()
    expect(fact(card(page, event_id), "Overpaid by")).to_have_text("$50.00")
    CspWatch.flush(page.context)
    assert no_csp_violations.violations == []
    assert page.evaluate("window.__cspViolations") == 0


def test_browser_blocks_a_malformed_amount(
    page: Page, crew: Account, make_event: MakeEvent
) -> None:
    """HTML5 constraints catch a slip before any request is sent on a weak signal."""
    event_id = make_event()["event_id"]
    signed_in_dashboard(page, crew)
    box = open_payment_dialog(page, event_id)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    box.get_by_label("Amount (USD)").fill("abc")
    box.get_by_label("Cash").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_visible()
    assert box.get_by_label("Amount (USD)").evaluate("el => !el.validity.valid")
    assert posts == []
    assert event_json(page, event_id)["payment_count"] == 0


@pytest.mark.parametrize("how", ["dblclick", "two-submits"])
def test_double_tap_stores_one_payment(
    page: Page, crew: Account, make_event: MakeEvent, how: str
) -> None:
    event_id = make_event(total_price="300.00")["event_id"]
    signed_in_dashboard(page, crew)
    before = event_json(page, event_id)["payment_count"]
    box = open_payment_dialog(page, event_id)
    box.get_by_label("Amount (USD)").fill("25")
    box.get_by_label("Card").check()
    submit = box.get_by_role("button", name="Save payment")
    if how == "dblclick":
        submit.dblclick()
    else:  # two submissions in the same tick, before any answer can arrive
        box.locator("form").evaluate("form => { form.requestSubmit(); form.requestSubmit(); }")

    expect(box).to_be_hidden()
    expect(fact(card(page, event_id), "Paid")).to_have_text("$25.00")
    expect(fact(card(page, event_id), "Payments")).to_have_text("1")
    page.wait_for_load_state("networkidle")  # let any second request finish first
    stored = event_json(page, event_id)
    assert stored["payment_count"] == before + 1
    assert stored["paid"] == "25.00"
    assert_same_page(page)


def test_same_form_sent_twice_at_once_stores_one_payment(
    page: Page, crew: Account, make_event: MakeEvent
) -> None:
    """A retry racing the original (a bad signal): both requests carry the form's
    payment_id, so the server records the payment once and answers both alike."""
    event_id = make_event(total_price="300.00")["event_id"]
    signed_in_dashboard(page, crew)
    box = open_payment_dialog(page, event_id)
    box.get_by_label("Amount (USD)").fill("30")
    box.get_by_label("Cash").check()
    answers = box.locator("form").evaluate(
        """async form => {
            const send = () => fetch(form.action, {
                method: "POST", body: new FormData(form),
                headers: {"Accept": "application/json"}});
            const replies = await Promise.all([send(), send()]);
            return Promise.all(replies.map(async r => ({status: r.status, body: await r.json()})));
        }"""
    )
    assert [a["status"] for a in answers] == [201, 201], answers
    assert sorted(a["body"]["created"] for a in answers) == [False, True]
    assert answers[0]["body"]["payment"] == answers[1]["body"]["payment"]
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 1
    assert stored["paid"] == "30.00"


def test_log_payment_without_javascript(
    nojs_page: Page, crew: Account, make_event: MakeEvent
) -> None:
    page = nojs_page
    event = make_event(total_price="800.00", paid="100.00")
    event_id = event["event_id"]
    sign_in(page, crew)

    log_payment_link(card(page, event_id)).click()
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}/payment$"))
    expect(page.get_by_role("heading", name="Log Payment")).to_be_visible()
    expect(page.locator("dialog#payment-dialog")).to_be_hidden()
    page.get_by_label("Amount (USD)").fill("60")
    page.get_by_label("Card").check()
    page.get_by_label(re.compile("^Note")).fill("Visa ending 4242")
    page.get_by_role("button", name="Save payment").click()

    expect(page).to_have_url(re.compile(r"/dispatch\?saved=[0-9a-f-]{36}$"))
    # The confirmation names the trip as people do (patron · period), not by its id.
    expect(page.get_by_role("status").filter(has_text="Payment saved")).to_contain_text(
        f"Payment saved: $60.00 card for {event['patron_first_name']} · whale ("
    )
    the_card = card(page, event_id)
    expect(fact(the_card, "Paid")).to_have_text("$160.00")
    expect(fact(the_card, "Balance due")).to_have_text("$640.00")
    expect(fact(the_card, "Payments")).to_have_text("2")
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 2
    assert stored["payments"][-1]["amount"] == "60.00"
    assert stored["payments"][-1]["method"] == "card"


def test_keyboard_only_open_and_escape(page: Page, crew: Account, make_event: MakeEvent) -> None:
    # Early in the day, so few cards come before it on a stage with trips of its own.
    event_id = make_event(start_time="00:00")["event_id"]
    signed_in_dashboard(page, crew)
    link = log_payment_link(card(page, event_id))
    expect(link).to_be_visible()

    # Tab through the page (every card comes before ours or after it) until we reach it.
    for _ in range(1000):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the card's Log Payment link")

    page.keyboard.press("Enter")
    box = dialog(page)
    expect(box).to_be_visible()
    expect(box.locator("#amount")).to_be_focused()
    assert page.evaluate(
        "() => document.getElementById('payment-dialog').contains(document.activeElement)"
    )

    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    expect(link).to_be_focused()
    assert link.evaluate("el => el === document.activeElement")
    assert_same_page(page)


def test_the_error_summary_follows_the_fields_it_names(
    page: Page, crew: Account, make_event: MakeEvent
) -> None:
    """Issue 24 item 13: "There is a problem" names only what is still wrong, and goes
    once every field it named has been changed."""
    event_id = make_event()["event_id"]
    signed_in_dashboard(page, crew)
    box = open_payment_dialog(page, event_id)
    box.locator("form").evaluate("form => { form.noValidate = true; }")
    box.get_by_label("Amount (USD)").fill("abc")
    with page.expect_response(re.compile(rf"/api/events/{event_id}/payment$")) as answer:
        box.get_by_role("button", name="Save payment").click()
    assert answer.value.status == 422
    summary = box.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem")
    links = summary.locator(".error-summary-list a")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", "#amount")

    box.get_by_label("Amount (USD)").fill("40")
    expect(links).to_have_count(1)
    expect(links.first).to_have_attribute("href", "#method")
    expect(box.locator("#amount-error")).to_have_count(0)

    box.get_by_label("Cash").check()
    expect(summary).to_have_count(0)
    expect(box.locator(".field-error")).to_have_count(0)
    expect(box.locator("[aria-invalid=true]")).to_have_count(0)


def test_back_after_a_refusal_and_the_save_without_javascript_never_resubmits(
    nojs_page: Page, crew: Account, make_event: MakeEvent
) -> None:
    """Issue 24 item 15: the refused POST and the overpay question answer with a redirect
    to the form's page, so Back goes through pages, never "Confirm Form Resubmission"."""
    page = nojs_page
    event = make_event(total_price="100.00")
    event_id = event["event_id"]
    sign_in(page, crew)
    form_url = re.compile(rf"/dispatch/events/{event_id}/payment$")
    log_payment_link(card(page, event_id)).click()
    page.get_by_label("Amount (USD)").fill("0")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Save payment").click()
    expect(page).to_have_url(form_url)
    expect(page.locator("#amount-error")).to_have_text("The amount must be more than zero.")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Amount (USD)")).to_have_value("0")

    page.get_by_label("Amount (USD)").fill("150")  # more than the balance: asked first
    page.get_by_role("button", name="Save payment").click()
    expect(page).to_have_url(form_url)
    confirm = page.get_by_role("button", name=re.compile(r"^Yes, log \$150\.00"))
    expect(confirm).to_be_focused()
    confirm.click()
    expect(page).to_have_url(re.compile(r"/dispatch\?saved="))

    # Chromium here runs with --disable-prompt-on-repost: going back to a POST's answer
    # would send the POST again without asking, so "no POST is sent" is the check.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    for _ in range(2):  # the question's page, then the refusal's: both plain pages
        page.go_back()
        expect(page).to_have_url(form_url)
        expect(page.get_by_role("heading", name="Log Payment")).to_be_visible()
    assert posts == []
    assert event_json(page, event_id)["payment_count"] == 1
