"""Accessibility: axe-core on every page and modal state, narrow screens with large
text, reduced motion and visible focus.

axe-core comes from the npm package (`node_modules/axe-core`, pinned in package.json).
The app's CSP allows no inline or foreign script, so these tests (only these) inject it
through a browser context created with `bypass_csp=True`. A violation of serious or
critical impact fails the test; the others are printed (run with `-s` to see them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, card, log_payment_link, sign_in, wait_for_htmx
from e2e.test_e2e_waivers import ADULT
from server import ROOT

MakeEvent = Callable[..., dict[str, Any]]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

pytestmark = pytest.mark.skipif(
    not AXE.exists(), reason=f"{AXE} is missing: run `make setup` (npm ci)"
)


class Axe:
    """Runs axe-core on the page's current state and remembers what each state had."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocking: list[str] = []

    def check(self, state: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if page.evaluate("() => typeof window.axe === 'undefined'"):
            page.add_script_tag(path=str(AXE))
        violations: list[dict[str, Any]] = page.evaluate(
            """async tags => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
            }""",
            TAGS,
        )
        for v in violations:
            line = f"{state}: [{v['impact']}] {v['id']}: {v['help']} at {v['targets']}"
            print("axe", line)
            if v["impact"] in BLOCKING:
                self.blocking.append(line)
        if not violations:
            print(f"axe {state}: no violations")

    def assert_clean(self) -> None:
        assert not self.blocking, "serious or critical axe violations:\n" + "\n".join(self.blocking)


@pytest.fixture
def axe_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page with JavaScript on in a context that ignores the app's CSP (for axe)."""
    return new_context(bypass_csp=True).new_page()


@pytest.fixture
def axe(axe_page: Page) -> Iterator[Axe]:
    checker = Axe(axe_page)
    yield checker


def no_browser_checks(page: Page, form: str) -> None:
    """Let an incomplete form reach the server, to get its own error messages."""
    page.locator(form).evaluate("form => { form.noValidate = true; }")


def sign_a_waiver(page: Page, event_id: str, axe: Axe | None = None) -> str:
    """Sign a waiver (with one minor) through the form; returns the waiver id. With
    `axe`, checks the trip page, the form, the form with errors and the confirmation."""
    page.goto(f"/g/{event_id}")
    if axe:
        axe.check("trip page")
    page.get_by_role("link", name="Sign the waiver").click()
    expect(page.get_by_role("heading", name="Liability waiver")).to_be_visible()
    wait_for_htmx(page)
    if axe:
        axe.check("waiver form")
        no_browser_checks(page, "form#waiver-form")
        with page.expect_response(re.compile(r"/waiver$")) as answer:
            page.get_by_role("button", name="Sign the waiver", exact=True).click()
        assert answer.value.status == 422
        expect(page.locator("#waiver-form .field-error").first).to_be_visible()
        axe.check("waiver form with errors")
    form = page.locator("form#waiver-form")
    for name, value in ADULT.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button", name="+ add a minor").click()
    expect(form.get_by_label("Minor 1: full name")).to_be_visible()
    form.get_by_label("Minor 1: full name").fill("Juniper Harbour")
    form.get_by_label("Minor 1: date of birth").fill("2016-01-15")
    if axe:
        axe.check("waiver form with a minor")
    form.locator("[name=agree_terms]").check()
    form.locator("[name=esign_consent]").check()
    form.locator("[name=signature]").fill(ADULT["full_name"])
    form.get_by_role("button", name="Sign the waiver", exact=True).click()
    page.wait_for_url(re.compile(rf"/waiver/signed/({UUID})$"))
    expect(page.get_by_role("heading", name="Waiver signed")).to_be_visible()
    if axe:
        axe.check("waiver confirmation")
        page.go_back()  # the form again: "already signed" instead of a refilled copy
        expect(page.get_by_role("heading", name="Waiver already signed")).to_be_visible()
        axe.check("waiver already signed")
        page.go_forward()
        page.wait_for_url(re.compile(rf"/waiver/signed/({UUID})$"))
    match = re.search(rf"/waiver/signed/({UUID})$", page.url)
    assert match
    return match.group(1)


def test_axe_sign_in_and_patron_pages(axe: Axe, make_event: MakeEvent) -> None:
    page = axe.page
    page.goto("/login")
    axe.check("sign in")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-error")).to_be_visible()
    axe.check("sign in with an error")
    page.goto("/g/2000-01-01-nobody")
    axe.check("not found page")

    event = make_event()
    sign_a_waiver(page, event["event_id"], axe)
    axe.assert_clean()


def test_axe_crew_pages_and_log_payment_modal(
    axe: Axe, crew: Account, make_event: MakeEvent, desk: CaptainDesk
) -> None:
    page = axe.page
    event = make_event(start_time="00:00", paid="100.00")
    event_id = event["event_id"]
    desk.cancel_event(make_event(start_time="00:00")["event_id"])  # a cancelled card too
    sign_a_waiver(page, event_id)

    sign_in(page, crew)
    wait_for_htmx(page)
    axe.check("dashboard")

    log_payment_link(card(page, event_id)).click()
    box = page.locator("dialog#payment-dialog")
    expect(box).to_be_visible()
    expect(box.locator("#amount")).to_be_focused()
    axe.check("Log Payment modal")
    no_browser_checks(page, "dialog#payment-dialog form")
    box.get_by_label("Amount (USD)").fill("abc")
    with page.expect_response(re.compile(rf"/api/events/{event_id}/payment$")) as answer:
        box.get_by_role("button", name="Save payment").click()
    assert answer.value.status == 422
    expect(box.locator("#amount-error")).to_be_visible()
    axe.check("Log Payment modal with errors")
    box.get_by_label("Amount (USD)").fill("25")
    box.get_by_label("Cash").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Saved $25.00 cash")
    axe.check("dashboard with the payment toast")

    page.goto(f"/dispatch/events/{event_id}/payment")
    axe.check("Log Payment page (no htmx)")
    page.goto(f"/dispatch/events/{event_id}")
    axe.check("trip detail")
    page.goto("/account/tips")
    axe.check("my tips")
    page.goto(f"/dispatch/events/{event_id}/manifest")
    expect(page.locator(".guest").first).to_be_visible()
    axe.check("manifest")
    wait_for_htmx(page)
    page.locator(".guest").first.get_by_role("button", name=re.compile("^Check in")).click()
    expect(page.locator(".guest.is-in").first).to_be_visible()
    axe.check("manifest after a check-in")
    page.goto(f"/dispatch/events/{event_id}/depart")
    axe.check("Depart form")
    page.get_by_role("button", name="Depart now").click()  # no orientation tick: refused
    expect(page.locator("#orientation-error")).to_be_visible()
    axe.check("Depart form with errors")
    page.goto("/account")
    axe.check("account (calendar address, credentials)")
    axe.assert_clean()


def test_axe_departed_trip_float_plan_back_confirmation_and_undo(
    axe: Axe, crew: Account, make_event: MakeEvent
) -> None:
    """Issue 26: the float plan on the trip page and card, Back's dialog and page, Undo."""
    page = axe.page
    # Started a little before now (the stage's zone: Los Angeles), so the prefilled
    # return (now + the duration) is a time later today or after midnight, never past.
    now = datetime.now(ZoneInfo("America/Los_Angeles"))
    start = max(now - timedelta(minutes=90), now.replace(hour=0, minute=0))
    event = make_event(start_time=start.strftime("%H:%M"), duration_minutes="120")
    event_id = event["event_id"]
    sign_a_waiver(page, event_id)
    sign_in(page, crew)
    page.goto(f"/dispatch/events/{event_id}/manifest")
    wait_for_htmx(page)
    page.locator(".guest").first.get_by_role("button", name=re.compile("^Check in")).click()
    expect(page.locator(".guest.is-in").first).to_be_visible()
    page.goto(f"/dispatch/events/{event_id}/depart")
    page.get_by_label("The passenger safety orientation was given").check()
    page.get_by_role("button", name="Depart now").click()  # the prefilled return
    expect(card(page, event_id).locator(".float-facts")).to_be_visible()
    axe.check("trip page with its float plan")
    page.goto("/dispatch")
    wait_for_htmx(page)
    axe.check("dashboard with a departed trip")
    card(page, event_id).get_by_role("button", name=re.compile("^Back at the dock")).click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    axe.check("Back at the dock dialog")
    page.keyboard.press("Escape")
    back_url = card(page, event_id).locator("form.back-form").get_attribute("action")
    departure_id = card(page, event_id).locator("form.back-form [name=departure_id]")
    page.goto(f"{back_url}?departure_id={departure_id.get_attribute('value')}")
    axe.check("Back at the dock confirmation page")
    page.get_by_role("button", name="Yes, all back at the dock").click()
    expect(card(page, event_id).get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    axe.check("trip back, with Undo")
    axe.assert_clean()


def test_axe_captain_pages(axe: Axe, captain: Account, make_event: MakeEvent) -> None:
    page = axe.page
    event = make_event(paid="150.00")
    event_id = event["event_id"]
    waiver_id = sign_a_waiver(page, event_id)

    sign_in(page, captain)
    axe.check("dashboard (captain)")
    page.goto(f"/dispatch/events/{event_id}")
    axe.check("trip detail with void forms (captain)")
    page.goto("/admin/events")
    axe.check("admin: events")
    page.goto("/admin/events?tab=past")
    axe.check("admin: past events")
    page.goto("/admin/events/new")
    axe.check("admin: new event")
    no_browser_checks(page, "main form.stack")
    page.get_by_role("button", name="Create event").click()
    expect(page.locator(".field-error").first).to_be_visible()
    axe.check("admin: new event with errors")
    page.goto(f"/admin/events/{event_id}/edit")
    axe.check("admin: edit event")
    page.goto("/admin/crew")
    axe.check("admin: crew")
    page.goto(f"/admin/crew/credentials?email={captain.email}")
    axe.check("admin: credentials")
    page.goto("/admin/payments")
    axe.check("admin: payments for a day")
    page.goto("/admin/payments/range")
    axe.check("admin: payments over a range")
    page.goto("/admin/tips")
    axe.check("admin: tips")
    page.goto("/admin/notifications")
    axe.check("admin: emails")
    page.goto("/admin/audit")
    axe.check("admin: audit log")
    page.goto("/admin/boats")
    axe.check("admin: boats")
    page.goto("/admin/logs")
    axe.check("admin: trip logs of the day")
    page.goto(f"/admin/events/{event_id}/log")
    axe.check("admin: trip log")
    page.goto(f"/admin/events/{event_id}/waivers/{waiver_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed waiver")
    axe.check("admin: waiver record")
    axe.assert_clean()


# --- 320 px wide at 200% text, reduced motion, visible focus -------------------------

LARGE_TEXT = "() => { document.documentElement.style.fontSize = '200%'; }"
SKIP = ".table-scroll, .visually-hidden, .skip-link, dialog:not([open])"
OVERFLOW = """skip => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth
                      && !el.closest(skip))
        .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                         + (el.className && typeof el.className === 'string'
                            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))
})"""


def assert_fits(page: Page, what: str, problems: list[str]) -> None:
    page.evaluate(LARGE_TEXT)
    assert page.evaluate("() => getComputedStyle(document.body).fontSize") == "32px"
    size = page.evaluate(OVERFLOW, SKIP)
    assert size["innerWidth"] == 320
    if size["scrollWidth"] > 320:
        problems.append(
            f"{what}: {size['scrollWidth']} px wide in a 320 px window (widest: {size['wide']})"
        )


@pytest.fixture
def narrow_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """320 CSS px wide, as WCAG's reflow criterion measures. Not the phone profile: a
    mobile viewport widens itself to fit overflowing content, which would hide it."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 320, "height": 640}, bypass_csp=True
    )
    yield context.new_page()
    context.close()


def test_320px_wide_at_200_percent_text_without_horizontal_scrolling(
    narrow_page: Page, crew: Account, captain: Account, make_event: MakeEvent
) -> None:
    page = narrow_page
    event = make_event(
        start_time="00:01",
        period="sunset",
        paid="120.00",
        meeting_point="Harbourmaster's pontoon, far end",
    )
    event_id = event["event_id"]
    problems: list[str] = []

    page.goto("/login")
    assert_fits(page, "sign in", problems)
    page.goto(f"/g/{event_id}")
    assert_fits(page, "trip page", problems)
    waiver_id = sign_a_waiver(page, event_id)
    assert_fits(page, "waiver confirmation", problems)
    page.goto(f"/g/{event_id}/waiver")
    assert_fits(page, "waiver form", problems)

    sign_in(page, crew)
    wait_for_htmx(page)
    assert_fits(page, "dashboard", problems)
    log_payment_link(card(page, event_id)).click()
    expect(page.locator("dialog#payment-dialog")).to_be_visible()
    assert_fits(page, "Log Payment modal", problems)
    page.goto(f"/dispatch/events/{event_id}")
    assert_fits(page, "trip detail", problems)
    page.goto(f"/dispatch/events/{event_id}/manifest")
    assert_fits(page, "manifest", problems)
    page.goto("/account/tips")
    assert_fits(page, "my tips", problems)

    page.context.clear_cookies()
    sign_in(page, captain)
    for path in (
        "/admin/events",
        "/admin/events/new",
        f"/admin/events/{event_id}/edit",
        "/admin/crew",
        f"/admin/crew/credentials?email={captain.email}",
        "/account",
        "/admin/payments",
        "/admin/payments/range",
        "/admin/tips",
        "/admin/notifications",
        "/admin/audit",
        f"/admin/events/{event_id}/waivers/{waiver_id}",
        "/admin/boats",
        "/admin/logs",
        f"/admin/events/{event_id}/log",
    ):
        page.goto(path)
        assert_fits(page, path, problems)
    assert not problems, "horizontal scrolling at 320 px and 200% text:\n" + "\n".join(problems)


MOTION = """() => [...document.querySelectorAll('*')].flatMap(el => {
    const s = getComputedStyle(el);
    const moving = [s.transitionDuration, s.animationDuration]
        .flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '0s');
    return moving.length ? [el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ': '
                            + moving.join(', ')] : [];
})"""


def test_reduced_motion_is_honoured(
    new_context: Callable[..., BrowserContext], crew: Account, make_event: MakeEvent
) -> None:
    page = new_context(reduced_motion="reduce").new_page()
    event_id = make_event(start_time="00:02")["event_id"]
    sign_in(page, crew)
    wait_for_htmx(page)
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    assert page.evaluate(MOTION) == []
    log_payment_link(card(page, event_id)).click()
    box = page.locator("dialog#payment-dialog")
    expect(box).to_be_visible()
    box.get_by_label("Amount (USD)").fill("10")
    box.get_by_label("Card").check()
    box.get_by_role("button", name="Save payment").click()
    expect(page.locator("#toast")).to_contain_text("Saved $10.00 card")
    for selector in ("#toast", "a.log-payment", "button"):
        style = page.locator(selector).first.evaluate(
            "el => [getComputedStyle(el).transitionDuration,"
            " getComputedStyle(el).animationDuration]"
        )
        assert style == ["0s", "0s"], (selector, style)
    assert page.evaluate(MOTION) == []


def test_keyboard_focus_is_visible(page: Page, crew: Account, make_event: MakeEvent) -> None:
    """Tabbing shows where focus is: the skip link appears, then every stop has an
    outline (or the browser's own focus ring is not switched off)."""
    make_event(start_time="00:03")
    sign_in(page, crew)
    wait_for_htmx(page)
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    hidden: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => {
                const el = document.activeElement;
                const s = getComputedStyle(el);
                const r = el.getBoundingClientRect();
                return {name: el.tagName.toLowerCase() + ' ' + (el.textContent || '').trim()
                              .slice(0, 40),
                        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                        onScreen: r.right > 0 && r.bottom > 0 && r.left < innerWidth};
            }"""
        )
        if not (focus["outline"] and focus["onScreen"]):
            hidden.append(str(focus))
    assert not hidden, "focus not visible on: " + "; ".join(hidden)
