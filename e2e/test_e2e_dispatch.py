"""Dashboard, event detail, sign-out and 404 pages, with JavaScript on and off."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import Account, card, fact, sign_in, wait_for_htmx


def test_dashboard_detail_and_sign_out(
    js: bool, js_page: Page, crew: Account, make_event: Callable[..., dict[str, Any]]
) -> None:
    page = js_page
    event = make_event(party_size="7", total_price="1234.00", paid="234.00")
    event_id = event["event_id"]
    patron = event["patron_first_name"]

    sign_in(page, crew)
    the_card = card(page, event_id)
    expect(the_card.locator(".patron")).to_contain_text(patron)
    expect(fact(the_card, "Party")).to_have_text("7")
    expect(fact(the_card, "Total")).to_have_text("$1,234.00")
    expect(fact(the_card, "Paid")).to_have_text("$234.00")
    expect(fact(the_card, "Balance due")).to_have_text("$1,000.00")

    # Open the card's detail: an htmx swap into #main with JS, a plain page without.
    if js:
        wait_for_htmx(page)
        page.evaluate("window.__e2eSamePage = true")
    with page.expect_response(re.compile(rf"/dispatch/events/{event_id}$")) as answer:
        the_card.locator(".card-title").get_by_role("link", name=re.compile(patron)).click()
    sent_by_htmx = answer.value.request.headers.get("hx-request") == "true"
    assert sent_by_htmx is js
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    if js:
        assert page.evaluate("window.__e2eSamePage === true"), "the detail reloaded the page"

    main = page.locator("#main")
    expect(main.locator("code.event-id")).to_have_text(event_id)
    expect(main.get_by_role("heading", name="Payment history")).to_be_visible()
    history = main.locator(".history .payment")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("$234.00")
    expect(history.first).to_contain_text("card")
    expect(history.first).to_contain_text("Deposit at booking")

    # Sign out, then the dashboard asks for a sign-in again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/dispatch")
    expect(page).to_have_url(re.compile(r"/login\?next=/dispatch$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


@pytest.mark.parametrize("path", ["/g/2026-05-23/waiver", "/no-such-page"])
def test_unknown_paths_are_a_real_404_page(page: Page, path: str) -> None:
    """With JavaScript on (the 404 page is the server's HTML either way; the same page
    without JavaScript: test_e2e_waivers.py::test_waiver_pages_for_unknown_trips_are_404)."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
