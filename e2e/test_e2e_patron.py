"""The patron on their own phone (issue 17, items 1-5): the trip page greets the party,
names the operator and puts "Sign the waiver" first; the waiver texts read as written
(Markdown); errors are summarised at the top of the form and focused; no signal says so;
after signing, another guest can sign and Back never shows a refilled copy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, sign_in
from e2e.test_e2e_waivers import (
    ADULT,
    MISMATCH,
    adult_fields,
    agree_terms,
    assert_same_page,
    detail,
    esign_consent,
    expect_adult_kept,
    fill_adult,
    mark_same_page,
    open_waiver_form,
    open_waiver_record,
    sign_button,
    signature,
    signed_url,
    tap_sign,
    waiver_form,
)

MakeEvent = Callable[..., dict[str, Any]]
Shoot = Callable[[Page, str], None]
OPERATOR = "your charter operator"  # SCC_OPERATOR_NAME's default (the suite sets none)
NO_CONNECTION = "No connection — your waiver was not sent. Try again when you have signal."
SHORT_PHONE = "Enter a phone number of 7 to 15 digits, like +1 555 123 4567."


def fill_valid(page: Page) -> None:
    fill_adult(page)
    agree_terms(page).check()
    esign_consent(page).check()
    signature(page).fill(ADULT["full_name"])


@pytest.mark.screens
def test_trip_page_greets_the_party_and_puts_the_waiver_first(
    page: Page, make_event: MakeEvent, shoot: Shoot
) -> None:
    event = make_event(party_size="4", boat="Orca", meeting_point="Dock B, gate 3")
    page.goto(f"/g/{event['event_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Welcome aboard, {event['patron_first_name']}’s party"
    )
    expect(page.locator(".lead")).to_contain_text(f"with {OPERATOR}")
    expect(detail(page, "Operator")).to_have_text(OPERATOR)
    sign = page.get_by_role("link", name="Sign the waiver")
    # Above the fold, before the details, on the iPhone and on the narrowest phone.
    for width, height in ((390, 844), (320, 568)):
        page.set_viewport_size({"width": width, "height": height})
        box = sign.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, (width, box)
    shoot(page, "patron-trip")

    sign.click()
    expect(page.get_by_role("heading", name="Liability waiver")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f'with {OPERATOR}, the "Operator"')
    # The texts as written: a heading, numbered clauses and bullets, no literal " - ".
    text = page.locator(".waiver-text")
    expect(text.get_by_role("heading", level=2)).to_have_text(re.compile("^Release of Liability"))
    expect(text.locator("ol > li")).to_have_count(7)
    expect(page.locator(".disclosure ul > li")).to_have_count(5)
    expect(page.locator(".disclosure")).not_to_contain_text(" - ")
    expect(page.locator("body")).not_to_contain_text("standard-v1")
    shoot(page, "patron-waiver")


@pytest.mark.screens
def test_errors_are_summarised_at_the_top_of_the_form_and_focused(
    js: bool, js_page: Page, make_event: MakeEvent, desk: CaptainDesk, shoot: Shoot
) -> None:
    page = js_page
    event_id = make_event()["event_id"]
    open_waiver_form(page, js, event_id)
    fill_valid(page)
    adult_fields(page)["emergency_phone"].fill("12")
    signature(page).fill("Somebody Else")
    assert tap_sign(page, event_id).status == 422

    summary = waiver_form(page).locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links).to_have_text([SHORT_PHONE, MISMATCH])  # in the order of the fields
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "#emergency_phone",
        "#signature",
    ]
    # Each field keeps its own message, and everything typed is still there.
    expect(page.locator("#emergency_phone-error")).to_have_text(SHORT_PHONE)
    expect(page.locator("#signature-error")).to_have_text(MISMATCH)
    expect(signature(page)).to_have_value("Somebody Else")
    expect(agree_terms(page)).to_be_checked()
    if js:
        assert_same_page(page)
        shoot(page, "patron-waiver-errors")
    # A link takes the person to the field.
    links.nth(1).click()
    expect(signature(page)).to_be_focused()
    assert desk.waiver_ids(event_id) == []


@pytest.mark.screens
def test_no_connection_says_the_waiver_was_not_sent(
    page: Page, context: BrowserContext, make_event: MakeEvent, desk: CaptainDesk, shoot: Shoot
) -> None:
    event_id = make_event()["event_id"]
    page.goto(f"/g/{event_id}/waiver")
    mark_same_page(page)
    fill_valid(page)
    status = waiver_form(page).locator(".form-status[role=alert]")  # there before it speaks
    expect(status).to_be_empty()
    context.set_offline(True)
    sign_button(page).click()
    expect(waiver_form(page).get_by_role("alert")).to_have_text(NO_CONNECTION)
    # The message has focus (the disabled button had dropped it to the page): heard, and
    # the place kept (issue 24 item 15).
    expect(status).to_be_focused()
    expect(sign_button(page)).to_be_enabled()
    expect_adult_kept(page)
    expect(signature(page)).to_have_value(ADULT["full_name"])
    expect(esign_consent(page)).to_be_checked()
    assert_same_page(page)
    shoot(page, "patron-waiver-no-connection")
    assert desk.waiver_ids(event_id) == []

    context.set_offline(False)  # signal again: the same tap now signs
    sign_button(page).click()
    expect(page).to_have_url(signed_url(event_id))
    assert len(desk.waiver_ids(event_id)) == 1


@pytest.mark.screens
def test_after_signing_another_guest_and_back_shows_no_refilled_form(
    js: bool,
    js_page: Page,
    make_event: MakeEvent,
    new_context: Callable[..., BrowserContext],
    captain: Account,
    shoot: Shoot,
) -> None:
    page = js_page
    event_id = make_event()["event_id"]
    page.goto(f"/g/{event_id}/waiver")
    first_id = waiver_form(page).locator("input[name=waiver_id]").input_value()
    fill_valid(page)
    sign_button(page).click()
    expect(page).to_have_url(signed_url(event_id))
    expect(detail(page, "Operator")).to_have_text(OPERATOR)
    expect(page.locator("body")).not_to_contain_text("standard-v1")
    another = page.get_by_role("link", name="Sign for another guest")
    expect(another).to_have_attribute("href", f"/g/{event_id}/waiver?after={first_id}")
    if js:
        shoot(page, "patron-waiver-signed")

    # Back: the browser would refill the form with what was signed; it gets a page
    # saying so instead, with the way on.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/g/{event_id}/waiver$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiver already signed")
    expect(page.get_by_role("status")).to_contain_text(first_id[:8].upper())
    expect(page.locator("input")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(ADULT["full_name"])
    if js:
        shoot(page, "patron-waiver-signed-here")
    page.get_by_role("link", name="Sign for another guest").click()
    expect(page.get_by_role("heading", name="Liability waiver")).to_be_visible()
    for field in adult_fields(page).values():
        expect(field).to_have_value("")
    expect(agree_terms(page)).not_to_be_checked()
    assert waiver_form(page).locator("input[name=waiver_id]").input_value() != first_id

    if js:  # the captain's record of it: the texts as Markdown, no mid-sentence breaks
        office = new_context().new_page()
        sign_in(office, captain)
        open_waiver_record(office, event_id, first_id)
        texts = office.locator(".printable-text")
        expect(texts.first.locator("ol > li")).to_have_count(7)
        expect(texts.nth(1).locator("ul > li")).to_have_count(5)
        expect(texts.first.locator("ol > li p").first).to_have_css("white-space", "normal")
        shoot(office, "captain-waiver-record")


def test_a_refusal_is_said_in_the_form(
    page: Page, make_event: MakeEvent, desk: CaptainDesk
) -> None:
    """With JavaScript, an answer the form cannot show (here: the trip was cancelled
    while the form was open) is said in the form's status, not swallowed."""
    event_id = make_event()["event_id"]
    page.goto(f"/g/{event_id}/waiver")
    mark_same_page(page)
    fill_valid(page)
    desk.cancel_event(event_id)
    assert tap_sign(page, event_id).status == 410
    expect(waiver_form(page).get_by_role("alert")).to_have_text(
        "This trip was cancelled, so its waiver cannot be signed."
    )
    expect(signature(page)).to_have_value(ADULT["full_name"])
    assert_same_page(page)
