"""Crew on a slow signal (iPhone profile): a busy state on every tap, "Saving…", the
trip page's history updated with its card, and an amount over the balance due asked
about once more before it is logged (JavaScript on and off)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, card, event_json, fact, log_payment_link, sign_in, wait_for_htmx

MakeEvent = Callable[..., dict[str, Any]]
Shoot = Callable[[Page, str], None]
PAYMENT_POST = re.compile(r"/api/events/[^/]+/payment$")
SLOW = 15_000  # ms to wait for an answer that comes 2 s late on a busy machine


def network_latency(page: Page, ms: int) -> None:
    """Chromium's own network emulation: every request takes `ms` more."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": ms, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def tap_and_read_busy(control: Locator, spinner_of: str = "el") -> list[str]:
    """Tap, then read the control's busy state in the same task as the tap (before any
    answer could arrive: well within 100 ms): aria-busy and its spinner's CSS content."""
    result: list[str] = control.evaluate(
        f"""el => {{
            el.click();
            const spinner = getComputedStyle({spinner_of}, '::after').content;
            return [el.getAttribute('aria-busy'), spinner];
        }}"""
    )
    return result


def contrast(locator: Locator) -> float:
    """WCAG contrast of the element's text against its card's background."""
    ratio: float = locator.evaluate(
        """el => {
            const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            const lum = ([r, g, b]) => {
                const f = v => {
                    v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
            };
            const fg = lum(rgb(getComputedStyle(el).color));
            const bg = lum(rgb(getComputedStyle(el.closest('.card')).backgroundColor));
            return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        }"""
    )
    return ratio


@pytest.mark.screens
def test_slow_signal_busy_saving_trip_history_and_an_overpayment(
    page: Page, crew: Account, make_event: MakeEvent, shoot: Shoot
) -> None:
    # Balance due $200.00; the first card of the day, so nothing fixed covers it.
    event = make_event(total_price="300.00", paid="100.00", start_time="00:00")
    event_id, patron = event["event_id"], event["patron_first_name"]
    sign_in(page, crew)
    wait_for_htmx(page)
    shoot(page, "crew-dispatch")
    network_latency(page, 2000)

    # Log Payment: busy at once, with a spinner, until the modal opens.
    link = log_payment_link(card(page, event_id))
    assert tap_and_read_busy(link) == ["true", '""']
    box = page.locator("dialog#payment-dialog")
    expect(box).to_be_visible(timeout=SLOW)
    expect(link).not_to_have_attribute("aria-busy", "true")

    # Save reads "Saving…" while its request is in flight (held here, so the state can
    # be looked at), and goes back once the answer is in.
    box.get_by_label("Amount (USD)").fill("50")
    box.get_by_label("Cash").check()
    held: list[Route] = []
    page.route(PAYMENT_POST, lambda route: held.append(route))
    save = box.locator(".actions button[type=submit]")
    with page.expect_request(PAYMENT_POST):
        save.click()
    expect(save).to_have_text("Saving…")
    expect(save).to_have_attribute("aria-busy", "true")
    shoot(page, "crew-saving")
    assert len(held) == 1  # (its route event came with the request, before the checks)
    held[0].continue_()
    page.unroute(PAYMENT_POST)
    expect(box).to_be_hidden(timeout=SLOW)
    expect(fact(card(page, event_id), "Paid")).to_have_text("$150.00")
    expect(page.locator("#toast")).to_have_text(f"Saved $50.00 cash for {patron}.")
    expect(box.locator(".actions button[type=submit]")).to_have_text("Save payment")
    expect(box.locator("[aria-busy]")).to_have_count(0)

    # A trip: its link is busy at once too (the spinner is on the patron's name).
    title = card(page, event_id).locator(".card-title a")
    assert tap_and_read_busy(title, "el.querySelector('.patron')") == ["true", '""']
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"), timeout=SLOW)
    history = page.locator("#payment-history .payment")
    expect(history).to_have_count(2, timeout=SLOW)
    network_latency(page, 0)

    # From the trip page, the answer brings the history with the card.
    link = log_payment_link(card(page, event_id))
    link.click()
    expect(box).to_be_visible()
    box.get_by_label("Amount (USD)").fill("30")
    box.get_by_label("Card").check()
    box.get_by_label(re.compile("^Note")).fill("split bill, second card")
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_hidden()
    expect(history).to_have_count(3)
    expect(history.last).to_contain_text("$30.00")
    expect(history.last).to_contain_text("split bill, second card")
    expect(fact(card(page, event_id), "Balance due")).to_have_text("$120.00")
    shoot(page, "crew-trip-history")

    # A field's error goes when the field is changed.
    link.click()
    expect(box).to_be_visible()
    key = box.locator("input[name=payment_id]").input_value()
    amount = box.get_by_label("Amount (USD)")
    amount.fill("0")
    box.get_by_label("Cash").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box.locator("#amount-error")).to_have_text("The amount must be more than zero.")
    amount.fill("154.50")
    expect(box.locator("#amount-error")).to_have_count(0)
    expect(amount).not_to_have_attribute("aria-invalid", "true")

    # More than the balance due: asked once more, nothing stored until "Yes".
    box.get_by_role("button", name="Save payment").click()
    yes = box.get_by_role("button", name="Yes, log $154.50 — that is $34.50 over the balance")
    expect(box.locator(".confirm-over")).to_contain_text(
        "$154.50 is $34.50 more than the balance due."
    )
    expect(yes).to_be_focused()
    shoot(page, "crew-overpay-confirm")
    assert event_json(page, event_id)["payment_count"] == 3
    yes.click()
    expect(box).to_be_hidden()
    owed = fact(card(page, event_id), "Overpaid by")
    expect(owed).to_have_text("$34.50")
    expect(history).to_have_count(4)
    colour = owed.evaluate("el => getComputedStyle(el).color")
    assert colour != "rgb(138, 83, 0)", "overpaid must not look like the amber balance due"
    assert contrast(owed) >= 4.5
    shoot(page, "crew-overpaid")
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 4 and stored["paid"] == "334.50"
    assert stored["payments"][-1]["payment_id"] == key  # the same key across the question


@pytest.mark.screens
def test_without_javascript_an_overpayment_is_a_confirm_step_and_errors_stay_on_a_page(
    nojs_page: Page, crew: Account, make_event: MakeEvent, desk: CaptainDesk, shoot: Shoot
) -> None:
    page = nojs_page
    event = make_event(total_price="200.00", paid="50.00")  # $150.00 due
    event_id, patron = event["event_id"], event["patron_first_name"]
    cancelled = make_event(total_price="99.00")
    desk.cancel_event(cancelled["event_id"])
    sign_in(page, crew)
    off = card(page, cancelled["event_id"])
    expect(off.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(off).not_to_contain_text("Balance due")
    expect(fact(off, "Paid")).to_have_text("$0.00")

    page.goto(f"/dispatch/events/{event_id}")
    log_payment_link(card(page, event_id)).click()
    page_url = re.compile(rf"/dispatch/events/{event_id}/payment(\?from=trip)?$")
    expect(page).to_have_url(page_url)
    page.get_by_label("Amount (USD)").fill("0")
    page.get_by_label("Cash").check()
    page.get_by_label(re.compile("^Note")).fill("deck tip")
    with page.expect_response(lambda r: r.request.method == "GET") as landed:
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Save payment").click()
    # Post/redirect/get: the refusal answers 303 to the form's own page, which shows it
    # once as a 422, so Back never resubmits (issue 24 item 15).
    assert (answer.value.status, landed.value.status) == (303, 422)
    expect(page).to_have_url(page_url)  # a page, not /api/...
    expect(page.locator("#amount-error")).to_have_text("The amount must be more than zero.")
    expect(page.get_by_label(re.compile("^Note"))).to_have_value("deck tip")
    expect(page.get_by_label("Cash")).to_be_checked()

    page.get_by_label("Amount (USD)").fill("184.50")
    with page.expect_response(lambda r: r.request.method == "GET") as landed:
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Save payment").click()
    # Post/redirect/get: the refusal answers 303 to the form's own page, which shows it
    # once as a 422, so Back never resubmits (issue 24 item 15).
    assert (answer.value.status, landed.value.status) == (303, 422)
    expect(page).to_have_url(page_url)
    expect(page.locator(".confirm-over")).to_contain_text(
        "$184.50 is $34.50 more than the balance due."
    )
    shoot(page, "crew-overpay-confirm-nojs")
    assert event_json(page, event_id)["payment_count"] == 1
    page.get_by_role("button", name="Yes, log $184.50 — that is $34.50 over the balance").click()

    # Back on the trip, which names what was saved; the history has it.
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}\?saved=[0-9a-f-]{{36}}$"))
    expect(page.locator(".notice")).to_contain_text(
        f"Payment saved: $184.50 cash for {patron} · whale ("
    )
    expect(fact(card(page, event_id), "Overpaid by")).to_have_text("$34.50")
    expect(page.locator("#payment-history .payment")).to_have_count(2)
    stored = event_json(page, event_id)
    assert stored["payment_count"] == 2 and stored["payments"][-1]["note"] == "deck tip"
