"""The float plan on a phone (iPhone profile), with JavaScript on and off, at 320 px: a
trip leaving 90 minutes late is checked in and departs with a return prefilled from now
(a past one is refused next to the field), the float plan shows on the trip page and
the card, Running late, then Back at the dock asked first (a dialog; a page without
JavaScript), undone, and back again (issue 26 items 1-3).

Overdue cannot be reached through the app any more (Depart refuses a return already
past, and this suite runs on remote stages too, without a hook into the store): the
overdue banner, what to do and the sweep's alarm are covered by
tests/integration/test_float_plan_trust.py and test_float_plan_notify.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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


# The stack's zone (SCC_TIMEZONE's default): "90 minutes ago" on the operator's clock.
ZONE = ZoneInfo("America/Los_Angeles")


def minutes(hh_mm: str) -> int:
    hour, minute = (int(p) for p in hh_mm.split(":"))
    return hour * 60 + minute


def test_late_departure_float_plan_running_late_back_confirmed_and_undone(
    make_event: MakeEvent,
    crew: Account,
    js: bool,
    js_page: Page,
    new_context: Any,
    shoot: Callable[[Page, str], None],
) -> None:
    now = datetime.now(ZONE)
    start = max(now - timedelta(minutes=90), now.replace(hour=0, minute=0))
    event = make_event(start_time=start.strftime("%H:%M"), duration_minutes="120")
    event_id, patron = event["event_id"], event["patron_first_name"]
    sign_waiver(new_context().new_page(), event_id)

    page = js_page
    sign_in(page, crew)
    page.goto(f"/dispatch/events/{event_id}/manifest")
    expect(page.locator(".float-plan .badge")).to_have_text("Not departed")
    row = page.locator("ul.manifest > li").first
    row.get_by_role("button", name=f"Check in {ADULT['full_name']}").click()
    expect(row.locator(".status")).to_have_text("Checked in")

    page.get_by_role("link", name=re.compile("^Depart")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Depart")
    expected = page.get_by_label(re.compile("^Expected back"))
    prefilled = expected.input_value()
    # Two hours from now (not from the start, which would be overdue at once).
    ahead = (minutes(prefilled) - (now.hour * 60 + now.minute)) % (24 * 60)
    assert 115 <= ahead <= 126, f"prefilled {prefilled} at {now:%H:%M}"
    expect(page.get_by_role("checkbox", name=crew.name)).to_be_checked()
    fits_320(page)

    expected.fill(start.strftime("%H:%M"))  # the start: already past
    page.get_by_label("Destination or area").fill("Outer bay")
    page.get_by_role("button", name="Depart now").click()
    error = page.locator("#expected_back-error")
    expect(error).to_contain_text("would be overdue as it leaves")
    expect(page.get_by_label(re.compile("^Expected back"))).to_have_attribute(
        "aria-invalid", "true"
    )
    fits_320(page)
    page.get_by_label(re.compile("^Expected back")).fill(prefilled)
    page.get_by_label("Destination or area").fill("Outer bay")
    page.get_by_label("The passenger safety orientation was given").check()  # issue 26 item 8
    page.get_by_role("button", name="Depart now").click()

    # The float plan on the trip page, then on the dashboard's card.
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    plan = card(page, event_id).locator(".float-facts")
    expect(plan).to_contain_text(f"1 guest: {ADULT['full_name']}")
    expect(plan).to_contain_text(crew.name)
    expect(plan).to_contain_text("Outer bay")
    expect(plan.locator("div:has(> dt:text-is('Departed')) time")).to_have_count(1)
    expect(card(page, event_id).locator(".badge.out")).to_be_visible()
    fits_320(page)
    shoot(page, f"float-plan-trip-{'js' if js else 'nojs'}")
    page.goto("/dispatch")
    expect(card(page, event_id).locator(".float-facts")).to_contain_text("Outer bay")
    expect(page.locator(".overdue-banner", has_text=patron)).to_have_count(0)
    fits_320(page)
    card(page, event_id).scroll_into_view_if_needed()
    shoot(page, f"float-plan-card-{'js' if js else 'nojs'}")

    # Running late lands on the board with its result by the card, focused.
    card(page, event_id).get_by_role("button", name=re.compile("^Running late")).click()
    expect(page).to_have_url(re.compile(rf"/dispatch\?float=late&trip={event_id}$"))
    result = card(page, event_id).locator(".float-done[role=status]")
    expect(result).to_contain_text(f"Running late saved: {patron}’s trip")
    expect(result).to_be_focused()

    def back_at_the_dock() -> None:
        card(page, event_id).get_by_role("button", name=re.compile("^Back at the dock")).click()
        if js:  # a dialog, focus on its safe choice
            box = page.locator("#confirm-dialog")
            expect(box).to_be_visible()
            expect(box.get_by_role("link", name="Not yet")).to_be_focused()
        else:  # a page of its own
            expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}/back\?"))
            box = page.locator(".confirm-box")
        expect(box.locator(".confirm-title")).to_contain_text(f"Back at the dock: {patron}")
        expect(box).to_contain_text(f"Aboard: 1 guest ({ADULT['full_name']}); crew: ")
        fits_320(page)
        box.get_by_role("button", name="Yes, all back at the dock").click()
        expect(page).to_have_url(re.compile(rf"/dispatch\?float=back&trip={event_id}$"))

    back_at_the_dock()
    expect(card(page, event_id).locator(".badge.back")).to_contain_text("Back at the dock")
    result = card(page, event_id).locator(".float-done[role=status]")
    expect(result).to_contain_text("Back at the dock saved for")
    expect(result).to_be_focused()

    # Undo (a few minutes): out again, its alarm on, said and focused.
    card(page, event_id).get_by_role("button", name=re.compile("^Undo: not back yet")).click()
    expect(page).to_have_url(re.compile(rf"/dispatch\?float=undone&trip={event_id}$"))
    expect(card(page, event_id).locator(".badge.out")).to_be_visible()
    result = card(page, event_id).locator(".float-done[role=status]")
    expect(result).to_contain_text(f"Undone: {patron}’s trip is out again")
    expect(result).to_be_focused()
    fits_320(page)

    back_at_the_dock()
    expect(card(page, event_id).locator(".badge.back")).to_be_visible()

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
    now = datetime.now(ZONE)  # started a little before now: the prefilled return is ahead
    start = max(now - timedelta(minutes=90), now.replace(hour=0, minute=0))
    event = make_event(start_time=start.strftime("%H:%M"), duration_minutes="120")
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
    page.get_by_label("Destination or area").fill("Outer bay")  # the return as prefilled
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
