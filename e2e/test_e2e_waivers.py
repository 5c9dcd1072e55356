"""Patron waiver signing (no sign-in), then the crew's dashboard count, manifest and
check-in, with JavaScript on and off; keyboard-only signing; inline errors; 404s."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Response, expect

from e2e.desk import CaptainDesk, letters
from e2e.helpers import Account, card, fact, sign_in, wait_for_htmx

MakeEvent = Callable[..., dict[str, Any]]

ADULT = {
    "full_name": "Alex Quinn Harbour",
    "date_of_birth": "1990-04-21",
    "email": "alex.harbour@example.com",
    "phone": "+1 555 123 4567",
    "emergency_name": "Sam Harbour",
    "emergency_phone": "+1 555 987 6543",
}
MINOR_NAME = "Juniper Harbour"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MISMATCH = "Type your name exactly as in 'Full legal name' above."


def signed_url(event_id: str) -> re.Pattern[str]:
    """The confirmation page's address; group 1 is the waiver id."""
    return re.compile(rf"/g/{re.escape(event_id)}/waiver/signed/({UUID})$")


def child_birthday(today: date) -> str:
    """A date of birth that makes a nine- or ten-year-old on a trip in the next weeks."""
    return date(today.year - 10, 1, 15).isoformat()


def waiver_form(page: Page) -> Locator:
    return page.locator("form#waiver-form")


def about_you(page: Page) -> Locator:
    return page.get_by_role("group", name="About you")


def emergency(page: Page) -> Locator:
    return page.get_by_role("group", name=re.compile("^Emergency contact"))


def adult_fields(page: Page) -> dict[str, Locator]:
    """Each of the signer's fields, found by its visible label."""
    return {
        "full_name": about_you(page).get_by_label("Full legal name"),
        "date_of_birth": about_you(page).get_by_label("Date of birth", exact=True),
        "email": about_you(page).get_by_label(re.compile("^Email")),
        "phone": about_you(page).get_by_label("Phone", exact=True),
        "emergency_name": emergency(page).get_by_label("Name", exact=True),
        "emergency_phone": emergency(page).get_by_label("Phone", exact=True),
    }


def minor_fields(page: Page, n: int = 1) -> tuple[Locator, Locator]:
    row = page.get_by_role("group", name=f"Minor {n}", exact=True)
    return row.get_by_label(f"Minor {n}: full name"), row.get_by_label(f"Minor {n}: date of birth")


def agree_terms(page: Page) -> Locator:
    return page.get_by_label(re.compile("I have read the waiver above"))


def esign_consent(page: Page) -> Locator:
    return page.get_by_label(re.compile("I agree to sign electronically"))


def signature(page: Page) -> Locator:
    return page.get_by_label(re.compile("^Signature"))


def sign_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Sign the waiver", exact=True)


def detail(page: Page, label: str) -> Locator:
    """The <dd> of the details-list entry whose <dt> reads `label`."""
    return page.locator(f'.details > div:has(> dt:text-is("{label}")) > dd')


def fill_adult(page: Page) -> None:
    for name, field in adult_fields(page).items():
        field.fill(ADULT[name])


def expect_adult_kept(page: Page) -> None:
    for name, field in adult_fields(page).items():
        expect(field).to_have_value(ADULT[name])


def open_waiver_from_trip_page(page: Page, event: dict[str, Any]) -> None:
    event_id = event["event_id"]
    page.goto(f"/g/{event_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Welcome aboard, {event['patron_first_name']}’s party"
    )
    page.get_by_role("link", name="Sign the waiver").click()
    expect(page).to_have_url(re.compile(rf"/g/{event_id}/waiver$"))
    expect(page.get_by_role("heading", name="Liability waiver")).to_be_visible()


def mark_same_page(page: Page) -> None:
    wait_for_htmx(page)
    page.evaluate("window.__e2eSamePage = true")


def assert_same_page(page: Page) -> None:
    assert page.evaluate("window.__e2eSamePage === true"), "the page was reloaded"


def open_waiver_form(page: Page, js: bool, event_id: str) -> str:
    """The trip's waiver form, marked to catch a reload when JS is on; its reference."""
    page.goto(f"/g/{event_id}/waiver")
    if js:
        mark_same_page(page)
    return waiver_form(page).locator("input[name=waiver_id]").input_value()


def tap_sign(page: Page, event_id: str) -> Response:
    """Tap "Sign the waiver" and wait for the server's answer to the form."""
    with page.expect_response(
        lambda r: r.url.endswith(f"/g/{event_id}/waiver") and r.request.method == "POST"
    ) as answer:
        sign_button(page).click()
    return answer.value


def open_waiver_record(page: Page, event_id: str, waiver_id: str) -> None:
    """The captain's full record of one signed waiver: everything that was stored."""
    page.goto(f"/admin/events/{event_id}/waivers/{waiver_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Signed waiver · reference {waiver_id[:8].upper()}"
    )


def test_sign_for_self_and_a_minor_then_crew_checks_in(
    js: bool,
    js_page: Page,
    new_context: Callable[..., BrowserContext],
    crew: Account,
    captain: Account,
    desk: CaptainDesk,
    app_today: date,
    make_event: MakeEvent,
) -> None:
    page = js_page
    event = make_event(party_size="5")
    event_id = event["event_id"]
    minor_dob = child_birthday(app_today)

    # --- the patron, no sign-in ---------------------------------------------------------
    open_waiver_from_trip_page(page, event)
    if js:
        mark_same_page(page)
    waiver_id = waiver_form(page).locator("input[name=waiver_id]").input_value()
    fill_adult(page)
    expect(page.get_by_role("group", name="Minor 1", exact=True)).to_have_count(0)

    # "+ add a minor": an htmx swap of the form with JS, a full-page POST without.
    with page.expect_response(
        lambda r: r.url.endswith(f"/g/{event_id}/waiver") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="+ add a minor").click()
    assert answer.value.status == 200
    assert (answer.value.request.headers.get("hx-request") == "true") is js
    minor_name, minor_born = minor_fields(page)
    expect(minor_name).to_be_visible()
    expect(minor_name).to_have_value("")
    # Focus goes to the new minor's name, with and without JS (issue 24 item 15).
    expect(minor_name).to_be_focused()
    expect_adult_kept(page)
    expect(waiver_form(page).locator("input[name=waiver_id]")).to_have_value(waiver_id)
    if js:
        assert_same_page(page)

    minor_name.fill(MINOR_NAME)
    minor_born.fill(minor_dob)
    agree_terms(page).check()
    esign_consent(page).check()
    signature(page).fill(ADULT["full_name"])
    sign_button(page).click()

    expect(page).to_have_url(signed_url(event_id))
    match = signed_url(event_id).search(page.url)
    assert match is not None
    assert match.group(1) == waiver_id, "the stored reference is not the form's"
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiver signed")
    expect(page.get_by_role("status")).to_contain_text(f"Thank you, {ADULT['full_name']}.")
    reference = detail(page, "Reference number")
    expect(reference).to_have_text(re.compile(r"^[0-9A-F]{8}$"))
    expect(reference).to_have_text(waiver_id[:8].upper())
    expect(detail(page, "Signed by")).to_have_text(ADULT["full_name"])
    expect(detail(page, "Also covers")).to_have_text(MINOR_NAME)
    expect(page.locator("body")).not_to_contain_text("standard-v1")  # an internal name
    # The shareable confirmation shows names only: no birth dates or contact details.
    body = page.locator("body")
    for private in (ADULT["date_of_birth"], minor_dob, ADULT["email"], ADULT["phone"]):
        expect(body).not_to_contain_text(private)

    # What was stored, as the captain's record of the waiver shows it.
    assert desk.event(event_id)["waivers_signed"] == 2
    assert desk.waiver_ids(event_id) == [waiver_id, waiver_id]
    office = new_context().new_page()
    sign_in(office, captain)
    open_waiver_record(office, event_id, waiver_id)
    expect(detail(office, "Full legal name")).to_have_text(ADULT["full_name"])
    expect(detail(office, "Date of birth")).to_contain_text(ADULT["date_of_birth"])
    expect(detail(office, "Email")).to_have_text(ADULT["email"])
    expect(detail(office, "Emergency contact")).to_have_text(
        f"{ADULT['emergency_name']}, {ADULT['emergency_phone']}"
    )
    minors = office.locator("h2:text-is('Minors signed for') + ul > li")
    expect(minors).to_have_count(1)
    expect(minors.first).to_contain_text(f"{MINOR_NAME}, born {minor_dob}")
    expect(detail(office, "Typed signature")).to_have_text(ADULT["full_name"])
    expect(detail(office, "Waiver text")).to_contain_text("standard-v1")
    expect(detail(office, "Waiver id")).to_have_text(waiver_id)

    # --- a crew member, on their own phone -------------------------------------------------
    crew_page = new_context(java_script_enabled=js).new_page()
    sign_in(crew_page, crew)
    expect(fact(card(crew_page, event_id), "Waivers")).to_have_text("2 of 5")

    crew_page.goto(f"/dispatch/events/{event_id}/manifest")
    expect(crew_page.get_by_role("heading", level=1)).to_contain_text(
        f"Manifest: {event['patron_first_name']}"
    )
    counts = crew_page.locator(".manifest-counts")
    expect(counts.locator(".covered")).to_have_text("2")
    expect(counts.locator(".checked-in-count")).to_have_text("0")
    expect(crew_page.locator(".warning")).to_contain_text("3 guests in the party still need")
    rows = crew_page.locator("ul.manifest > li")
    expect(rows).to_have_count(2)
    adult_row = crew_page.locator(f"#guest-{waiver_id}-signer")
    minor_row = crew_page.locator(f"#guest-{waiver_id}-minor-0")
    expect(adult_row).to_contain_text(ADULT["full_name"])
    expect(adult_row).not_to_contain_text("signed for by")
    expect(minor_row).to_contain_text(MINOR_NAME)
    expect(minor_row).to_contain_text(f"minor, signed for by {ADULT['full_name']}")
    expect(minor_row).to_contain_text(f"ref {waiver_id[:8].upper()}")
    expect(minor_row.locator(".status")).to_have_text("Not checked in")

    if js:
        mark_same_page(crew_page)
    checkin_url = re.compile(rf"/dispatch/events/{event_id}/manifest/checkin$")
    with crew_page.expect_response(checkin_url) as answer:
        minor_row.get_by_role("button", name=f"Check in {MINOR_NAME}").click()
    sent_by_htmx = answer.value.request.headers.get("hx-request") == "true"
    assert sent_by_htmx is js
    if js:
        assert answer.value.status == 200
    expect(crew_page).to_have_url(re.compile(rf"/dispatch/events/{event_id}/manifest$"))
    expect(minor_row.locator(".status")).to_have_text("Checked in")
    expect(minor_row).to_have_class(re.compile(r"\bis-in\b"))
    undo = minor_row.get_by_role("button", name=f"Undo check-in for {MINOR_NAME}")
    expect(undo).to_have_attribute("aria-pressed", "true")
    expect(adult_row.locator(".status")).to_have_text("Not checked in")
    if js:
        assert_same_page(crew_page)

    crew_page.reload()
    expect(counts.locator(".checked-in-count")).to_have_text("1")
    expect(minor_row.locator(".status")).to_have_text("Checked in")
    expect(adult_row.locator(".status")).to_have_text("Not checked in")
    # Stored, not just shown: another person's session (the captain's) sees the same.
    office.goto(f"/dispatch/events/{event_id}/manifest")
    expect(office.locator(".manifest-counts .checked-in-count")).to_have_text("1")
    expect(office.locator(f"#guest-{waiver_id}-minor-0 .status")).to_have_text("Checked in")
    expect(office.locator(f"#guest-{waiver_id}-signer .status")).to_have_text("Not checked in")


# --- keyboard only --------------------------------------------------------------------


def focused_key(page: Page) -> str:
    """The focused element: its id, or name=value for a button or checkbox."""
    key: str = page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "(body)";
            if (el.id) return el.id;
            if (el.name) return `${el.name}=${el.value}`;
            return el.tagName.toLowerCase();
        }"""
    )
    return key


def tab_to(page: Page, key: str, visited: list[str], limit: int = 30) -> None:
    """Press Tab until the element `key` (see focused_key) has focus, noting each stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused_key(page)
        if not visited or visited[-1] != now:
            visited.append(now)
        if now == key:
            return
    pytest.fail(f"Tab never reached {key!r}; focus went through {visited}")


def type_date(page: Page, iso: str) -> None:
    """Type a date into the focused <input type=date> the way a keyboard user does
    (en-US: month, day, year; the field moves on by itself)."""
    year, month, day = iso.split("-")
    page.keyboard.type(month + day + year)


@pytest.mark.browser_context_args(locale="en-US")
def test_keyboard_only_signing(
    page: Page, make_event: MakeEvent, desk: CaptainDesk, app_today: date
) -> None:
    event = make_event(party_size="3")
    event_id = event["event_id"]
    minor_dob = child_birthday(app_today)
    page.goto(f"/g/{event_id}/waiver")
    mark_same_page(page)

    visited: list[str] = []
    for key in (
        "full_name",
        "date_of_birth",
        "email",
        "phone",
        "emergency_name",
        "emergency_phone",
    ):
        tab_to(page, key, visited)
        if key == "date_of_birth":
            type_date(page, ADULT[key])
        else:
            page.keyboard.type(ADULT[key])
    expect_adult_kept(page)

    tab_to(page, "action=add_minor", visited)
    page.keyboard.press("Space")
    minor_name, minor_born = minor_fields(page)
    expect(minor_name).to_be_visible()
    expect_adult_kept(page)
    assert_same_page(page)

    # Focus is on the new minor's name, not lost to the page (issue 24 item 15).
    expect(minor_name).to_be_focused()
    visited.append("minor_name_0")
    page.keyboard.type(MINOR_NAME)
    tab_to(page, "minor_dob_0", visited)
    type_date(page, minor_dob)
    expect(minor_name).to_have_value(MINOR_NAME)
    expect(minor_born).to_have_value(minor_dob)
    for box in ("agree_terms", "esign_consent"):
        tab_to(page, box, visited)
        page.keyboard.press("Space")
    expect(agree_terms(page)).to_be_checked()
    expect(esign_consent(page)).to_be_checked()
    tab_to(page, "signature", visited)
    page.keyboard.type(ADULT["full_name"])

    # Focus reached the fields in the order they appear on the screen (each pass from the
    # top of the page, should focus ever fall back to <body>, is checked on its own).
    expected = [*ADULT, "minor_name_0", "minor_dob_0", "signature"]
    passes: list[list[str]] = [[]]
    for key in visited:
        if key == "(body)":
            passes.append([])
        elif key in expected:
            passes[-1].append(key)
    for keys in passes:
        assert keys == sorted(keys, key=expected.index), f"focus order {keys}: {visited}"
        assert len(keys) == len(set(keys)), visited
    assert {k for keys in passes for k in keys} == set(expected), visited
    boxes = [page.locator(f"#{k}").bounding_box() for k in expected]
    ys = [box["y"] for box in boxes if box is not None]
    assert len(ys) == len(expected)
    assert ys == sorted(ys), f"the fields {expected} are not laid out top to bottom: {ys}"

    # Enter in the signature field signs: it must not add or remove a minor.
    with page.expect_request(
        lambda r: r.url.endswith(f"/g/{event_id}/waiver") and r.method == "POST"
    ) as sent:
        page.keyboard.press("Enter")
    body = sent.value.post_data or ""
    assert "action=sign" in body, body
    assert "minor" not in re.sub(r"minor_(name|dob)_0=[^&]*|minor_rows=1", "", body), body

    expect(page).to_have_url(signed_url(event_id))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiver signed")
    expect(detail(page, "Also covers")).to_have_text(MINOR_NAME)
    expect(page.locator("body")).not_to_contain_text("standard-v1")  # an internal name
    # One waiver stored, covering two guests (the signer's row and the minor's).
    assert len(set(desk.waiver_ids(event_id))) == 1
    assert len(desk.waiver_ids(event_id)) == 2
    assert desk.event(event_id)["waivers_signed"] == 2


# --- errors ---------------------------------------------------------------------------


def test_signature_mismatch_is_shown_next_to_the_field(
    js: bool, js_page: Page, make_event: MakeEvent, desk: CaptainDesk
) -> None:
    page = js_page
    event_id = make_event()["event_id"]
    waiver_id = open_waiver_form(page, js, event_id)
    fill_adult(page)
    agree_terms(page).check()
    esign_consent(page).check()
    signature(page).fill("Somebody Else")
    if js:  # a style given through the CSSOM (allowed) survives the swap with no CSP error
        signature(page).evaluate("el => { el.style.outlineOffset = '1px'; }")
    answer = tap_sign(page, event_id)
    assert answer.status == 422
    assert (answer.request.headers.get("hx-request") == "true") is js

    field = signature(page)
    error = page.locator("#signature-error")
    expect(error).to_have_text(MISMATCH)
    # Right after the field it describes, and tied to it for screen readers.
    expect(page.locator("#signature + #signature-error")).to_have_count(1)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "signature-error")
    expect(page.locator(".field-error")).to_have_count(1)
    # Everything typed is still there, with the same reference for the retry.
    expect(page).to_have_url(re.compile(rf"/g/{event_id}/waiver$"))
    expect_adult_kept(page)
    expect(field).to_have_value("Somebody Else")
    expect(agree_terms(page)).to_be_checked()
    expect(esign_consent(page)).to_be_checked()
    expect(waiver_form(page).locator("input[name=waiver_id]")).to_have_value(waiver_id)
    if js:
        assert_same_page(page)
    assert desk.waiver_ids(event_id) == []
    assert desk.event(event_id)["waivers_signed"] == 0


def test_waiver_pages_for_unknown_trips_are_404(
    nojs_page: Page, make_event: MakeEvent, app_today: date
) -> None:
    """A date alone is not a trip, nor is a well-formed id nobody booked, nor a
    confirmation whose reference was never signed. Without JavaScript (the 404 page is
    the server's HTML either way; with JavaScript: test_e2e_dispatch.py's 404 test)."""
    page = nojs_page
    booked = make_event()["event_id"]
    unbooked = f"{app_today.isoformat()}-qanobody{letters()}-whale"
    for path in (
        "/g/2026-05-23/waiver",
        f"/g/{unbooked}/waiver",
        f"/g/{booked}/waiver/signed/{uuid.uuid4()}",
        f"/g/{booked}/waiver/signed/not-a-reference",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        assert response.headers["content-type"].startswith("text/html")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
        expect(page.get_by_role("button", name="Sign the waiver")).to_have_count(0)
