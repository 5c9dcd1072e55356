"""XSS and template injection in a real browser (JavaScript on): payloads typed into the
forms that store people's text (the captain's new-event form, Log Payment, the waiver, the
crew form) must come back on every page that shows them as plain text, exactly as typed:
no script runs, no dialog opens, no htmx attribute comes alive (no request to /logout),
and no page breaks the Content Security Policy. The app's main flows are checked for CSP
violations too, so a policy that blocks the app's own behaviour is caught here.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page, Request, expect

from e2e.desk import CaptainDesk, letters
from e2e.helpers import (
    Account,
    CspWatch,
    card,
    log_payment_link,
    settled,
    sign_in,
    wait_for_htmx,
)

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "javascript:window.__xss=1",
    '<a hx-get="/logout" hx-trigger="load">x</a>',
    '<div hx-on:load="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
]
# Collects Content-Security-Policy violations as the page reports them (init scripts run
# outside the page's CSP). Console messages are collected as well.
CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + e.blockedURI + " " + (e.sample || ""));
});
"""
# Requests a live payload would make: htmx's hx-get, an <img src=x>.
SUSPECT_PATH = re.compile(r"^/logout|/x$")

MakeContext = Callable[..., BrowserContext]


def as_first_name(payload: str) -> str:
    """The payload as a patron's first name, "Qa" first like every trip the suite makes:
    the event id is made of its letters, so it may hold no digit (`=1` becomes `=true`,
    `{{7*7}}` another expression)."""
    return "Qa" + payload.replace("=1", "=true").replace("{{7*7}}", "{{'ann'|upper}}")


@dataclass
class Watch:
    """What a page did that it should not: dialogs, CSP messages, errors, requests."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    suspect: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, page: Page) -> Watch:
        watch = cls()
        page.context.add_init_script(script=CSP_PROBE)

        def dialog(d: Dialog) -> None:
            watch.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        def console(m: ConsoleMessage) -> None:
            if "content security policy" in m.text.lower():
                watch.console.append(m.text)

        def request(r: Request) -> None:
            if SUSPECT_PATH.search(urlsplit(r.url).path):
                watch.suspect.append(f"{r.method} {r.url}")

        page.on("dialog", dialog)
        page.on("console", console)
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        page.on("request", request)
        return watch

    def check(self, page: Page, where: str, *shown: str) -> None:
        """On the page as it is now: no payload ran, and each of `shown` is on screen
        literally."""
        wait_for_htmx(page)
        page.wait_for_timeout(150)  # let any hx-trigger="load" fire
        for text in shown:
            expect(page.get_by_text(text).first, f"{where}: {text!r} shown as text").to_be_visible()
        assert page.evaluate("typeof window.__xss") == "undefined", f"{where}: a payload ran"
        violations = page.evaluate("window.__csp || []")
        assert not violations, f"{where}: Content Security Policy violations {violations}"
        assert not self.console, f"{where}: CSP messages in the console {self.console}"
        assert not self.dialogs, f"{where}: dialogs opened {self.dialogs}"
        assert not self.suspect, f"{where}: requests a live payload made {self.suspect}"
        assert not self.errors, f"{where}: uncaught errors {self.errors}"


def csrf_token(page: Page) -> str:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


def create_event(page: Page, day: str, first_name: str, payload: str) -> str:
    """Through the captain's New event form; returns the new event's id."""
    page.goto("/admin/events/new")
    page.locator("#date").fill(day)
    page.locator("#first_name").fill(first_name)
    page.locator("#period").fill("q" + letters(10))
    page.locator("#start_time").fill("00:01")
    page.locator("#duration_minutes").fill("120")
    page.locator("#boat").fill(payload)
    page.locator("#capacity").fill("12")
    page.locator("#meeting_point").fill(payload)
    page.locator("#party_size").fill("4")
    page.locator("#total_price").fill("400")
    page.locator("#notes").fill(payload)
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/admin/events/[a-z0-9-]+/edit\?created=1$"))
    return page.url.split("/")[-2]


def add_crew(page: Page, name: str) -> str:
    """Through the Crew accounts form; returns the new account's email."""
    email = f"qa-deck-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/admin/crew")
    page.locator("#email").fill(email)
    page.locator("#name").fill(name)
    page.locator("input[name=role][value=crew]").check()
    page.locator("#password").fill("kelp-forest-" + secrets.token_urlsafe(12))
    page.get_by_role("button", name="Add account").click()
    page.wait_for_url(re.compile(r"/admin/crew\?done=added$"))
    return email


def sign_waiver(page: Page, event_id: str, people: dict[str, str], minor_dob: str) -> str:
    """Through the patron's waiver form, with one minor; returns the confirmation URL."""
    form = page.locator("form#waiver-form")
    with settled(page):  # the new form's autofocus moves to the minor's name
        form.get_by_role("button", name="+ add a minor").click()
    expect(page.get_by_label("Minor 1: full name")).to_be_focused()
    page.locator("#full_name").fill(people["full_name"])
    page.locator("#date_of_birth").fill("1990-04-21")
    page.locator("#email").fill("patron@example.com")
    page.locator("#phone").fill("+1 555 123 4567")
    page.locator("#emergency_name").fill(people["emergency_name"])
    page.locator("#emergency_phone").fill("+1 555 987 6543")
    page.locator("#minor_name_0").fill(people["minor"])
    page.locator("#minor_dob_0").fill(minor_dob)
    page.locator("input[name=agree_terms]").check()
    page.locator("input[name=esign_consent]").check()
    page.locator("#signature").fill(people["full_name"])
    page.get_by_role("button", name="Sign the waiver", exact=True).click()
    page.wait_for_url(re.compile(rf"/g/{event_id}/waiver/signed/[0-9a-f-]{{36}}$"))
    return page.url


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_payload_is_inert_on_every_page(
    payload: str, new_context: MakeContext, desk: CaptainDesk, app_today: date, captain: Account
) -> None:
    # No service worker here: every page comes straight from the server, as rendered now.
    page = new_context(service_workers="block").new_page()
    today = app_today
    first = as_first_name(payload)
    people = {
        "full_name": f"Ann {payload}",
        "emergency_name": f"Bob {payload}",
        "minor": f"Kid {payload}",
    }
    crew_name = f"Qa Deck {payload}"
    watch = Watch.on(page)

    # Reflected: the sign-in page echoes `next`, normalised (percent-encoded), into a
    # hidden field: the same path, with nothing left that could close the attribute.
    page.goto(f"/login?next={quote('/' + payload)}")
    kept = page.locator("input[name=next]").input_value()
    assert unquote(kept) == "/" + payload
    assert not set(kept) & set('<>" ')  # a ' may stay: the attribute is double-quoted
    watch.check(page, "sign-in page with ?next=")

    # --- stored through the forms -----------------------------------------------------
    sign_in(page, captain)
    event_id = create_event(page, today.isoformat(), first, payload)
    desk.track_event(event_id)
    for label in ("Boat", "Meeting point"):
        expect(page.get_by_label(f"{label} (optional)", exact=True)).to_have_value(payload)
    expect(page.get_by_label("Notes for the crew")).to_have_value(payload)
    watch.check(page, "event edit page", first)

    answer = page.request.post(
        f"/api/events/{event_id}/payment",
        form={
            "payment_id": str(uuid.uuid4()),
            "amount": "12.34",
            "method": "card",
            "note": payload,
        },
        headers={"Accept": "application/json", "X-CSRF-Token": csrf_token(page)},
    )
    assert answer.status == 201, answer.text()
    assert answer.json()["payment"]["note"] == payload

    desk.track_account(add_crew(page, crew_name))
    watch.check(page, "admin crew list", crew_name)

    patron = new_context(service_workers="block").new_page()
    patron_watch = Watch.on(patron)
    patron.goto(f"/g/{event_id}")
    patron_watch.check(patron, "trip page", first, payload)
    expect(patron.get_by_role("link", name="Sign the waiver")).to_have_attribute(
        "href", f"/g/{event_id}/waiver"
    )
    patron.goto(f"/g/{event_id}/waiver")
    patron_watch.check(patron, "waiver form", payload)
    minor_dob = date(today.year - 10, 1, 15).isoformat()
    confirmation = sign_waiver(patron, event_id, people, minor_dob)
    patron_watch.check(patron, "waiver confirmation", people["full_name"], people["minor"])
    waiver_id = confirmation.rsplit("/", 1)[1]

    # --- rendered everywhere ------------------------------------------------------------
    page.goto("/dispatch")
    the_card = card(page, event_id)
    expect(the_card.locator(".patron")).to_contain_text(first)
    watch.check(page, "dashboard", first)

    # The Log Payment modal (an htmx swap), a payment with the payload as its note, and
    # the answer: the card swapped out of band and the toast naming the patron.
    log_payment_link(the_card).click()
    box = page.locator("dialog#payment-dialog")
    expect(box.locator(".summary")).to_contain_text(first)
    box.get_by_label("Amount (USD)").fill("1")
    box.get_by_label("Cash").check()
    box.get_by_label(re.compile("^Note")).fill(payload)
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_hidden()
    expect(page.locator("#toast")).to_have_text(f"Saved $1.00 cash for {first}.")
    watch.check(page, "dashboard after Log Payment", first)

    page.goto(f"/dispatch/events/{event_id}")
    history = page.locator(".history .note")
    expect(history).to_have_count(2)
    for note in history.all():
        expect(note).to_have_text(payload)
    watch.check(page, "event detail", first, payload)

    page.goto(f"/dispatch/events/{event_id}/manifest")
    watch.check(page, "manifest", first, people["full_name"], people["minor"])

    page.goto(f"/admin/events/{event_id}/waivers/{waiver_id}")
    watch.check(
        page,
        "captain's waiver record",
        people["full_name"],
        people["emergency_name"],
        people["minor"],
    )
    signature = page.locator('.details > div:has(> dt:text-is("Typed signature")) > dd')
    expect(signature).to_have_text(people["full_name"])

    page.goto("/admin/events")
    watch.check(page, "admin events list", first)

    page.goto(f"/admin/payments?date={today.isoformat()}")
    watch.check(page, "reconciliation", first, payload)

    page.goto(f"/admin/events/{event_id}/edit")
    watch.check(page, "event edit page again", first)


def test_main_flows_break_no_content_security_policy(
    page: Page,
    new_context: MakeContext,
    crew: Account,
    captain: Account,
    make_event: Callable[..., dict[str, Any]],
    app_today: date,
) -> None:
    """The dashboard, detail, Log Payment modal (open and submit) and waiver signing, and
    the captain's pages: zero CSP violations, zero uncaught errors."""
    event = make_event(start_time="00:00", total_price="300.00", paid="50.00")
    event_id = event["event_id"]
    watch = Watch.on(page)

    sign_in(page, crew)
    watch.check(page, "dashboard")
    log_payment_link(card(page, event_id)).click()
    box = page.locator("dialog#payment-dialog")
    expect(box).to_be_visible()
    box.get_by_label("Amount (USD)").fill("100000.01")  # refused by the server: a 422 swap
    box.get_by_label("Card").check()
    box.get_by_role("button", name="Save payment").click()
    expect(box.locator("#amount-error")).to_be_visible()
    box.get_by_label("Amount (USD)").fill("25")
    box.get_by_role("button", name="Save payment").click()
    expect(box).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Saved $25.00 card")
    watch.check(page, "Log Payment modal")

    card(page, event_id).locator(".card-title a").click()  # htmx swap into #main
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    expect(page.get_by_role("heading", name="Payment history")).to_be_visible()
    watch.check(page, "event detail")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/dispatch$"))
    watch.check(page, "dashboard after back")
    page.goto(f"/dispatch/events/{event_id}/manifest")
    watch.check(page, "manifest")

    patron = new_context().new_page()
    patron_watch = Watch.on(patron)
    patron.goto(f"/g/{event_id}/waiver")
    patron_watch.check(patron, "waiver form")
    people = {"full_name": "Rae Pike", "emergency_name": "Lou Pike", "minor": "Kit Pike"}
    minor_dob = date(app_today.year - 10, 1, 15).isoformat()
    sign_waiver(patron, event_id, people, minor_dob)
    patron_watch.check(patron, "waiver confirmation", "Rae Pike")

    page.goto(f"/dispatch/events/{event_id}/manifest")
    page.get_by_role("button", name="Check in Rae Pike").click()  # htmx swap of the row
    expect(page.get_by_role("button", name="Undo check-in for Rae Pike")).to_be_visible()
    watch.check(page, "manifest check-in")

    captain_page = new_context().new_page()
    captain_watch = Watch.on(captain_page)
    sign_in(captain_page, captain)
    for path in (
        "/admin/events",
        "/admin/events/new",
        "/admin/crew",
        "/admin/payments",
        "/admin/payments/range",
        "/admin/notifications",
        "/admin/audit",
        f"/admin/events/{event_id}/edit",
    ):
        captain_page.goto(path)
        captain_watch.check(captain_page, path)
    captain_page.goto("/admin/events/new")
    captain_page.locator("#first_name").fill("Zoë")  # the live id preview (htmx)
    expect(captain_page.locator("#id-preview")).to_contain_text("-zoe")
    captain_watch.check(captain_page, "new event id preview")


def test_every_browser_test_fails_on_a_csp_violation(
    page: Page, crew: Account, no_csp_violations: CspWatch
) -> None:
    """The watch every browser test has (`no_csp_violations`, e2e/conftest.py) hears an
    inline style set the way htmx's settle step would set one, and names the page."""
    sign_in(page, crew)
    page.evaluate("document.getElementById('main').setAttribute('style', 'color: red')")
    page.wait_for_function("window.__cspViolations > 0")
    CspWatch.flush(page.context)
    heard = list(no_csp_violations.violations)
    no_csp_violations.violations.clear()  # this one was made on purpose
    assert heard, "the CSP watch heard nothing"
    assert all(line.startswith(page.url) for line in heard), heard
    assert any("style-src" in line for line in heard), heard
