"""The captain's desk on a phone (issue 17, items 12-17): confirmations before
destructive actions (a dialog with JavaScript, a page without), the result shown where
the captain is looking, the one-row Menu header, tables as cards at 320 px, the range
chart, the audit log in sentences and the new-event form's marks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, sign_in

Shoot = Callable[[Page, str], None]
NARROW: ViewportSize = {"width": 320, "height": 568}
PHONE: ViewportSize = {"width": 390, "height": 844}


def no_overflow(page: Page) -> None:
    fits = "document.scrollingElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), f"{page.url} scrolls sideways at {page.viewport_size}"


def on_screen(page: Page, selector: str) -> None:
    """Every match is visible and inside the viewport's width (nothing cut off)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    cells = page.locator(selector)
    assert cells.count() > 0, selector
    for i in range(cells.count()):
        cell = cells.nth(i)
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
            selector,
            i,
            box,
        )


@pytest.fixture
def captain_page(captain: Account, new_context: Callable[..., BrowserContext]) -> Page:
    page = new_context().new_page()
    sign_in(page, captain)
    return page


@pytest.fixture
def js_captain(js: bool, captain: Account, new_context: Callable[..., BrowserContext]) -> Page:
    """The captain, signed in, with JavaScript on or off (see `js`)."""
    page = new_context(java_script_enabled=js).new_page()
    sign_in(page, captain)
    return page


@pytest.mark.screens
def test_header_is_one_row_with_a_menu_and_the_events_table_is_cards(
    captain_page: Page, make_event: Callable[..., dict[str, Any]], shoot: Shoot
) -> None:
    page = captain_page
    event = make_event(paid="120")
    page.goto("/admin/events")
    row = page.locator("tr", has=page.locator(f'a[href*="{event["event_id"]}"]'))
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        header = page.locator("header.topbar").bounding_box()
        assert header is not None and header["height"] <= 80, header
        brand = page.locator(".topbar .brand").bounding_box()
        menu = page.locator(".captain-menu > summary").bounding_box()
        assert brand and menu and abs(brand["y"] - menu["y"]) < 12  # one row
        assert menu["height"] >= 44 and menu["width"] >= 44
        no_overflow(page)
        # Every column of the trip's row is there at this width, labelled, on screen.
        for label, value in (
            ("Party", "5"),
            ("Total", "$500.00"),
            ("Balance due", "$380.00"),
            ("Status", "Scheduled"),
        ):
            cell = row.locator(f'td[data-label="{label}"]')
            expect(cell).to_have_text(value)
        on_screen(page, f'tr:has(a[href*="{event["event_id"]}"]) td')
    shoot(page, "captain-events")
    page.get_by_text("Menu", exact=True).click()
    nav = page.get_by_role("navigation", name="Captain")
    expect(nav.get_by_role("link", name="Events")).to_have_attribute("aria-current", "page")
    for name in ("Dispatch", "Events", "Crew", "Payments", "Emails", "Audit"):
        link = nav.get_by_role("link", name=name, exact=True)
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (name, box)
    on_screen(page, ".captain-menu-panel a")
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 80  # the menu opens over the page
    shoot(page, "captain-menu-open")
    nav.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()


@pytest.mark.screens
def test_per_crew_table_shows_every_method_and_the_total_at_320(
    captain_page: Page, make_event: Callable[..., dict[str, Any]], shoot: Shoot
) -> None:
    page = captain_page
    make_event(paid="75")
    page.set_viewport_size(NARROW)
    page.goto("/admin/payments")
    for label in ("Cash", "Card", "Check", "Total"):
        expect(page.locator(f'#by-crew tbody td[data-label="{label}"]').first).to_be_visible()
    on_screen(page, "#by-crew td")
    on_screen(page, "#day-events td")
    no_overflow(page)
    shoot(page, "captain-payments")


@pytest.mark.screens
def test_cancel_event_asks_first_naming_the_consequence(
    js: bool,
    js_captain: Page,
    make_event: Callable[..., dict[str, Any]],
    desk: CaptainDesk,
    shoot: Shoot,
) -> None:
    page = js_captain
    event = make_event()
    page.goto(f"/admin/events/{event['event_id']}/edit")
    if js:
        shoot(page, "captain-event-form")
    # Apart from Save changes: its own section, after everything else.
    zone = page.locator("section.danger-zone")
    save = page.get_by_role("button", name="Save changes").bounding_box()
    button = zone.get_by_role("button", name=re.compile("^Cancel event"))
    box = button.bounding_box()
    assert save and box and box["y"] - save["y"] > 200
    button.click()
    name = event["patron_first_name"]
    if js:
        dialog = page.locator("#confirm-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(f"Cancel {name} · whale on ")
        expect(dialog).to_contain_text("Crew can no longer log payments")
        keep = dialog.get_by_role("link", name="Keep the trip")
        expect(keep).to_be_focused()
        keep.press("Enter")  # the keyboard keeps the trip; focus goes back to the button
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()
        button.press("Enter")
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()
        assert desk.event(event["event_id"])["status"] == "scheduled"
        button.click()
        no_overflow(page)
        shoot(page, "captain-cancel-confirm")
        dialog.get_by_role("button", name="Yes, cancel the trip").click()
    else:
        expect(page).to_have_url(re.compile(rf"/admin/events/{event['event_id']}/cancel\??$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Cancel {name} · whale")
        expect(page.get_by_text("Crew can no longer log payments")).to_be_visible()
        shoot(page, "captain-cancel-confirm-page")
        page.get_by_role("button", name="Yes, cancel the trip").click()
    notice = page.locator("#status .notice")
    expect(notice).to_contain_text("Cancelled. Crew can no longer log payments")
    expect(notice).to_be_in_viewport()
    assert desk.event(event["event_id"])["status"] == "cancelled"
    expect(page.get_by_role("button", name="Reinstate event")).to_be_visible()


@pytest.mark.screens
def test_disable_asks_first_and_says_so_beside_the_account(
    js: bool,
    js_captain: Page,
    desk: CaptainDesk,
    shoot: Shoot,
) -> None:
    account = desk.add_crew()
    page = js_captain
    page.goto("/admin/crew")
    if js:
        shoot(page, "captain-crew")
    item = page.locator("li", has=page.get_by_text(account.email, exact=True))
    item.get_by_role("button", name=f"Disable {account.name}").click()
    if js:
        box = page.locator("#confirm-dialog")
        expect(box).to_be_visible()
        shoot(page, "captain-disable-confirm")
    else:
        box = page.locator("main")
        expect(page).to_have_url(re.compile(r"/admin/crew/confirm-disable\?email="))
    expect(box).to_contain_text(f"Disable {account.name}?")
    expect(box).to_contain_text("signed out on every phone at once and can no longer sign in")
    box.get_by_role("button", name=f"Yes, disable {account.name}").click()
    item = page.locator("li", has=page.get_by_text(account.email, exact=True))
    notice = item.locator(".notice")
    expect(notice).to_contain_text(f"{account.name} is signed out and can no longer sign in")
    expect(notice).to_be_in_viewport()
    expect(item.get_by_text("Disabled", exact=True)).to_be_visible()
    expect(item.get_by_role("button", name=f"Re-enable {account.name}")).to_be_visible()


@pytest.mark.screens
def test_void_asks_first_and_shows_a_notice_at_the_payment(
    js: bool,
    js_captain: Page,
    make_event: Callable[..., dict[str, Any]],
    desk: CaptainDesk,
    shoot: Shoot,
) -> None:
    event = make_event(paid="40")
    page = js_captain
    page.goto(f"/dispatch/events/{event['event_id']}")
    page.get_by_label("Reason to void").fill("Typed on the wrong trip")
    page.get_by_role("button", name=re.compile("^Void this payment")).click()
    if js:
        box = page.locator("#confirm-dialog")
        expect(box).to_be_visible()
        expect(box.get_by_role("link", name="Keep the payment")).to_be_focused()
    else:
        box = page.locator("main")
        expect(box.get_by_label("Reason to void")).to_have_value("Typed on the wrong trip")
    expect(box).to_contain_text(re.compile(r"Void \$40\.00 card logged by .+ at \d+:\d\d [ap]m"))
    expect(box).to_contain_text("the balance due goes up by $40.00")
    no_overflow(page)
    if js:
        shoot(page, "captain-payments-void-confirm")
    box.get_by_role("button", name="Yes, void $40.00").click()
    expect(page).to_have_url(re.compile(r"\?voided=[0-9a-f-]+#payment-[0-9a-f-]+$"))
    notice = page.locator("[data-void-notice]")
    expect(notice).to_contain_text("Voided: $40.00 no longer counts as paid")
    expect(notice).to_be_in_viewport()
    if js:
        expect(notice).to_be_focused()
        shoot(page, "captain-void-notice")
    paid = desk.event(event["event_id"])
    assert paid["paid"] == "0.00" and paid["payments"][0]["voided"] is True


@pytest.mark.screens
def test_new_event_form_marks_required_fields_and_waits_for_typing(
    captain_page: Page, shoot: Shoot
) -> None:
    page = captain_page
    page.goto("/admin/events/new")
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.locator("#id-preview")).not_to_contain_text("Cannot create")
    for label in ("Date", "Patron's first name", "Total price"):
        field = page.get_by_label(re.compile(f"^{label}.*\\(required\\)$"))
        expect(field).to_have_attribute("required", "")
    for label in ("Period label", "Start time", "Boat", "Party size", "Notes for the crew"):
        expect(page.get_by_label(f"{label} (optional)", exact=True)).to_be_visible()
    no_overflow(page)
    shoot(page, "captain-event-form-new")
    page.get_by_label("Period label").fill("sunset")  # no name yet: still no error
    page.get_by_label("Patron's first name").fill("42")
    expect(page.locator("#id-preview")).to_contain_text("Cannot create this id")
    page.get_by_label("Patron's first name").fill("Zoë")
    expect(page.locator("#id-preview")).to_contain_text("-zoe-sunset")


@pytest.mark.screens
def test_range_chart_has_axis_labels_and_totals_and_a_totals_row(
    captain_page: Page, make_event: Callable[..., dict[str, Any]], shoot: Shoot
) -> None:
    page = captain_page
    make_event(paid="80")
    page.goto("/admin/payments/range")
    chart = page.locator("svg.range-chart")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title").first).to_contain_text("Takings per day")
    expect(chart.locator("desc")).to_contain_text("Every day's numbers are in the table below")
    assert chart.locator(".axis text").count() >= 2  # a value axis with ticks from $0
    expect(chart.locator(".axis text").first).to_have_text("$0")
    assert chart.locator("g.day").count() == 14  # one labelled row per day, two weeks
    today_total = page.locator("#by-day tbody tr").last.locator('td[data-label="Total"]')
    total = today_total.inner_text().strip()
    expect(chart.locator("text.value").last).to_have_text(total)
    expect(page.locator("#by-day tfoot tr.totals")).to_contain_text("Range total")
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        no_overflow(page)
        box = chart.bounding_box()
        assert box is not None and box["width"] <= size["width"]
        # The day labels are legible: at least 9 px tall as drawn.
        label = chart.locator("g.day text").first.bounding_box()
        assert label is not None and label["height"] >= 9
    shoot(page, "captain-range")


@pytest.mark.screens
def test_audit_reads_as_sentences_on_the_operators_day(
    captain_page: Page, make_event: Callable[..., dict[str, Any]], shoot: Shoot
) -> None:
    page = captain_page
    event = make_event()
    page.goto("/admin/audit")
    expect(page.get_by_label(re.compile(r"^Day \("))).to_be_visible()
    expect(page.get_by_text("Day (UTC)")).to_have_count(0)
    name = event["patron_first_name"]
    line = page.locator(".audit-list li", has_text=f"created trip {name} · whale").last
    expect(line).to_be_visible()
    expect(line.locator("time")).to_have_attribute("datetime", re.compile(r"T.*Z$"))
    expect(line.locator("time")).to_have_text(re.compile(r"^\d{1,2}:\d\d [ap]m$"))
    expect(page.get_by_text("event.created")).to_have_count(0)
    page.set_viewport_size(NARROW)
    no_overflow(page)
    shoot(page, "captain-audit")
    line.get_by_role("link", name=re.compile(name)).click()
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event['event_id']}$"))
