"""The float plan on a phone (iPhone profile), with JavaScript on and off: check a guest
in on the manifest, Depart, see the overdue banner, mark the boat back at the dock.

Overdue is reached without any test-only hook: the expected return entered in the
Depart form (00:01 on a trip that starts at 00:00) is already past its grace, so the
pages show the trip overdue at once. The sweep's mark and alarm email are covered by
tests/integration/test_float_plan_notify.py, as the suite cannot run the sweep on a remote stage.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from e2e.helpers import Account, card, sign_in
from e2e.test_e2e_waivers import (
    ADULT,
    MakeEvent,
    agree_terms,
    esign_consent,
    fill_adult,
    sign_button,
    signature,
    signed_url,
)


def sign_waiver(page: Page, event_id: str) -> None:
    page.goto(f"/g/{event_id}/waiver")
    fill_adult(page)
    agree_terms(page).check()
    esign_consent(page).check()
    signature(page).fill(ADULT["full_name"])
    sign_button(page).click()
    expect(page).to_have_url(signed_url(event_id))


def fits_320(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 320, f"{overflow} px wide at 320 px"


def test_check_in_depart_overdue_banner_and_back_at_the_dock(
    make_event: MakeEvent, crew: Account, js: bool, js_page: Page, new_context: Any
) -> None:
    event = make_event(start_time="00:00", duration_minutes="60")
    event_id = event["event_id"]
    sign_waiver(new_context().new_page(), event_id)

    page = js_page
    sign_in(page, crew)
    page.goto(f"/dispatch/events/{event_id}/manifest")
    expect(page.locator(".float-plan .badge")).to_have_text("Not departed")
    row = page.locator("ul.manifest > li").first
    row.get_by_role("button", name=f"Check in {ADULT['full_name']}").click()
    expect(row.locator(".status")).to_have_text("Checked in")
    if js:  # the row is new, and focus is still on it (its button), not lost to the page
        undo = row.get_by_role("button", name=f"Undo check-in for {ADULT['full_name']}")
        expect(undo).to_be_focused()

    page.get_by_role("link", name=re.compile("^Depart")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Depart")
    expected = page.get_by_label(re.compile("^Expected back"))
    expect(expected).to_have_value("01:00")  # start + duration
    expect(page.get_by_label("Destination or area")).to_have_value("Whale trip")
    expect(page.get_by_role("checkbox", name=crew.name)).to_be_checked()
    expect(page.locator(".aboard")).to_contain_text(ADULT["full_name"])
    fits_320(page)
    expected.fill("00:01")
    page.get_by_label("Destination or area").fill("Outer bay")
    page.get_by_label("The passenger safety orientation was given").check()  # issue 26 item 8
    page.get_by_role("button", name="Depart now").click()

    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    expect(card(page, event_id).locator(".badge.overdue")).to_contain_text("OVERDUE")
    page.goto("/dispatch")
    banner = page.locator(".overdue-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(event["patron_first_name"])
    fits_320(page)

    # Running late, then Back at the dock: each lands on the board with its result said
    # by the card and focused, not lost to the page (issue 24 item 15).
    trip = card(page, event_id)
    trip.get_by_role("button", name=re.compile("^Running late")).click()
    expect(page).to_have_url(re.compile(rf"/dispatch\?float=late&trip={event_id}$"))
    result = card(page, event_id).locator(".float-done[role=status]")
    expect(result).to_contain_text(f"Running late saved: {event['patron_first_name']}’s trip")
    expect(result).to_be_focused()
    trip = card(page, event_id)
    trip.get_by_role("button", name=re.compile("^Back at the dock")).click()
    expect(page).to_have_url(re.compile(rf"/dispatch\?float=back&trip={event_id}$"))
    expect(card(page, event_id).locator(".badge.back")).to_contain_text("Back at the dock")
    result = card(page, event_id).locator(".float-done[role=status]")
    expect(result).to_contain_text("Back at the dock saved for")
    expect(result).to_be_focused()
    expect(page.locator(".overdue-banner", has_text=event["patron_first_name"])).to_have_count(0)


def test_depart_is_refused_without_the_safety_orientation_then_ticked_on_the_same_screen(
    make_event: MakeEvent,
    crew: Account,
    captain: Account,
    js: bool,
    js_page: Page,
    new_context: Any,
    desk: Any,
) -> None:
    """Issue 26 items 7-8 on a phone at 320 px: the crew aboard prefilled with the one
    departing, the master marked; Depart without the orientation tick is refused next to
    the tick (an htmx swap with JS, a 422 page without), nothing stored; ticked, it
    departs, and the captain's trip log shows who gave the orientation."""
    event = make_event(start_time="00:00", duration_minutes="60")
    event_id = event["event_id"]
    sign_waiver(new_context().new_page(), event_id)
    page = js_page
    sign_in(page, crew)
    page.goto(f"/dispatch/events/{event_id}/manifest")
    row = page.locator("ul.manifest > li").first
    row.get_by_role("button", name=f"Check in {ADULT['full_name']}").click()
    expect(row.locator(".status")).to_have_text("Checked in")

    page.goto(f"/dispatch/events/{event_id}/depart")
    fits_320(page)
    expect(page.get_by_role("checkbox", name=crew.name)).to_be_checked()
    expect(page.locator(f'input[name=master][value="{crew.email}"]')).to_be_checked()
    page.get_by_label(re.compile("^Expected back")).fill("23:59")
    page.get_by_label("Destination or area").fill("Outer bay")
    orientation = page.get_by_label("The passenger safety orientation was given")
    expect(orientation).not_to_be_checked()
    page.get_by_role("button", name="Depart now").click()
    error = page.locator("#orientation-error")
    expect(error).to_contain_text("Give the passenger safety orientation before getting under way")
    expect(page.locator(".error-summary")).to_be_visible()
    fits_320(page)
    log_path = f"/admin/events/{event_id}/log"  # the captain's trip log, over HTTP
    assert "This trip has not departed" in desk._page(log_path)

    page.get_by_label("The passenger safety orientation was given").check()
    page.get_by_role("button", name="Depart now").click()
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    log = desk._page(log_path)
    assert f"Safety orientation given ({crew.name})" in log and ADULT["full_name"] in log
    assert re.search(rf"{re.escape(crew.name)} · <strong>master</strong>", log)

    # The captain's desk lists the day's logs; a log prints on one page, without the bars.
    desk_page = new_context().new_page()
    sign_in(desk_page, captain)
    desk_page.goto("/admin/logs")
    desk_page.get_by_role("link", name=re.compile(event["patron_first_name"])).click()
    expect(desk_page.get_by_role("heading", level=1)).to_contain_text("Trip log")
    desk_page.emulate_media(media="print")
    expect(desk_page.locator(".topbar")).to_be_hidden()
    pdf = desk_page.pdf(format="Letter")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == 1, f"the trip log printed on {pages} pages"
