"""Every page, as each person meets it: patron, crew and captain, at 390 and 320 px.

One walk per role (one browser context each) visits every page and on each one:
- measures every visible control and fails listing each one under 44×44 CSS px;
- checks nothing is wider than the window;
- collects console errors and page errors (a Content-Security-Policy violation is a
  console error), failing with them;
- checks the page's <title> names the page;
- calls `shoot`, so `make screenshots` has a PNG of every page.

What counts as a control: every visible a[href], button, input (not hidden), select,
textarea, summary and [role=button]. A checkbox or radio inside a <label> is measured
as its label (the label is what a finger hits). A link is left out only when it sits
inside running text: its parent is a <p> (not a `.meta` line) whose own text, without
its links, has at least three words — a sentence with a link in it.

The contexts are the iPhone 13 profile without `is_mobile`: a mobile viewport widens
itself to fit overflowing content, which would hide an overflow, and CSS px are what
WCAG's target size measures anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect

from e2e.conftest import DEVICE
from e2e.desk import CaptainDesk
from e2e.helpers import Account, sign_in, wait_for_htmx
from e2e.test_e2e_float_plan import sign_waiver

MakeEvent = Callable[..., dict[str, Any]]
Shoot = Callable[[Page, str], None]

MIN = 44
WIDTHS = (390, 320)

SMALL_CONTROLS = """min => {
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  const words = text => text.trim().split(/\\s+/).filter(w => /\\w/.test(w)).length;
  const inRunningText = el => {
    const parent = el.parentElement;
    if (el.tagName !== 'A' || !parent || parent.tagName !== 'P' || parent.matches('.meta')) {
      return false;
    }
    const own = [...parent.childNodes].filter(n => n.nodeName !== 'A')
      .map(n => n.textContent).join(' ');
    return words(own) >= 3;
  };
  const hidden = el => el.closest('dialog:not([open]), template, [hidden], .visually-hidden')
    || getComputedStyle(el).visibility === 'hidden';
  const name = el => {
    const text = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + text + '"';
  };
  const small = [];
  for (const el of controls) {
    if (hidden(el) || inRunningText(el)) continue;
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) {
      box = el.closest('label');
    }
    const rect = box.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.right <= 0 || rect.bottom <= 0) continue;  // the skip link, off-screen until focused
    const width = Math.round(rect.width), height = Math.round(rect.height);
    if (width < min || height < min) small.push(name(el) + ' ' + width + '×' + height);
  }
  return small;
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


class Walk:
    """One role's walk: every page's problems, collected and reported together."""

    def __init__(self, page: Page, role: str, shoot: Shoot) -> None:
        self.page = page
        self.role = role
        self.shoot = shoot
        self.problems: list[str] = []
        self.errors: list[str] = []
        self.allowed: re.Pattern[str] | None = None
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if self.allowed and self.allowed.search(message.text):
            return
        self.errors.append(f"console: {message.text}")

    def visit(
        self, path: str | None, name: str, title: str | re.Pattern[str], *, status: int = 200
    ) -> None:
        """Open `path` (None: the page is already there), then check it as described."""
        page = self.page
        where = f"{self.role}-{name}"
        self.allowed = re.compile(r"status of 404") if status == 404 else None
        self.errors.clear()
        if path is not None:
            response = page.goto(path)
            assert response is not None and response.status == status, (path, response)
        page.wait_for_load_state("load")
        wait_for_htmx(page)
        expect(page).to_have_title(title)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for control in page.evaluate(SMALL_CONTROLS, MIN):
                self.problems.append(f"{where} at {width} px: {control}")
            wider = page.evaluate(OVERFLOW)
            if wider > 0:
                self.problems.append(f"{where} at {width} px: {wider} px wider than the window")
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        self.problems.extend(f"{where}: {error}" for error in self.errors)
        self.shoot(page, where)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(
            [f"{len(self.problems)} problem(s) on the {self.role}'s pages:", *self.problems]
        )


@pytest.fixture
def phone(
    browser: Browser, playwright: Playwright, base_url: str
) -> Iterator[Callable[..., BrowserContext]]:
    """New contexts with the iPhone profile minus `is_mobile` (see the module's note)."""
    made: list[BrowserContext] = []
    device = {k: v for k, v in playwright.devices[DEVICE].items() if k != "default_browser_type"}
    device["is_mobile"] = False

    def new(**options: Any) -> BrowserContext:
        context = browser.new_context(**{**device, "base_url": base_url, **options})
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


@pytest.fixture
def trip(make_event: MakeEvent) -> dict[str, Any]:
    """A trip today with a deposit paid: the pages then show a card, a payment history
    with a time, a guest on the manifest."""
    return make_event(start_time="10:00", duration_minutes="120", paid="100.00")


def trip_name(event: dict[str, Any]) -> str:
    return f"{event['patron_first_name']} · {event['period']}"


@pytest.mark.screens
def test_every_patron_page(
    phone: Callable[..., BrowserContext], trip: dict[str, Any], shoot: Shoot
) -> None:
    event_id, name = trip["event_id"], trip_name(trip)
    walk = Walk(phone().new_page(), "patron", shoot)
    walk.visit("/login", "login", "Sign in · Ship Captain Crew")
    walk.visit(f"/g/{event_id}", "trip", f"Your trip · {name}")
    walk.visit(f"/g/{event_id}/waiver", "waiver", f"Sign the waiver · {name}")
    sign_waiver(walk.page, event_id)
    walk.visit(None, "waiver-signed", f"Waiver signed · {name}")
    walk.visit("/g/2000-01-01-nobody", "not-found", "Not found · Ship Captain Crew", status=404)
    walk.assert_clean()


@pytest.mark.screens
def test_every_crew_page_and_sharing_the_patron_link(
    phone: Callable[..., BrowserContext],
    trip: dict[str, Any],
    crew: Account,
    base_url: str,
    shoot: Shoot,
) -> None:
    event_id, name = trip["event_id"], trip_name(trip)
    sign_waiver(phone().new_page(), event_id)
    context = phone(permissions=["clipboard-read", "clipboard-write"])
    walk = Walk(context.new_page(), "crew", shoot)
    page = walk.page
    sign_in(page, crew)
    walk.visit(None, "dispatch", "Dispatch · Ship Captain Crew")

    # The trip, opened from its card (htmx swaps <main>): the title follows the page.
    page.locator(f"#title-{event_id} a").click()
    expect(page).to_have_url(re.compile(rf"/dispatch/events/{event_id}$"))
    expect(page).to_have_title(f"{name} · Trip")
    walk.visit(f"/dispatch/events/{event_id}", "trip", f"{name} · Trip")

    # The patron link: the absolute URL, a QR code with a name, Copy puts it on the clipboard.
    patron_url = f"{base_url}/g/{event_id}"
    expect(page.locator("#patron-url")).to_have_value(patron_url)
    qr = page.get_by_role("img", name=f"QR code for the waiver link of {trip['patron_first_name']}")
    expect(qr).to_be_visible()
    assert qr.evaluate("el => el.tagName.toLowerCase()") == "svg"
    has_share = page.evaluate("() => typeof navigator.share === 'function'")
    expect(page.get_by_role("button", name="Share…")).to_have_count(1 if has_share else 0)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == patron_url
    page.locator("#patron-url").focus()  # the fallback: the field selects itself
    assert (
        page.evaluate(
            "() => window.getSelection().toString() || "
            "document.activeElement.value.substring("
            "document.activeElement.selectionStart, "
            "document.activeElement.selectionEnd)"
        )
        == patron_url
    )

    # Payment times are the operator's, for people, with the ISO value in <time>.
    logged = page.locator(".history time").first
    expect(logged).to_have_text(re.compile(r"^(\w{3} \d{1,2} \w{3}, )?\d{1,2}:\d\d [ap]m$"))
    expect(logged).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"))

    walk.visit(f"/dispatch/events/{event_id}/manifest", "manifest", f"Manifest · {name}")
    expect(page.get_by_role("img", name=re.compile("^QR code for the waiver link"))).to_be_visible()
    walk.visit(f"/dispatch/events/{event_id}/payment", "payment", f"Log Payment · {name}")
    walk.visit(f"/dispatch/events/{event_id}/depart", "depart", f"Depart · {name}")
    expect(page.get_by_label(re.compile(r"^Expected back \((PST|PDT|UTC)\)$"))).to_be_visible()
    walk.visit("/account/tips", "my-tips", "My tips · Ship Captain Crew")
    walk.assert_clean()


@pytest.mark.screens
def test_every_captain_page(
    phone: Callable[..., BrowserContext],
    trip: dict[str, Any],
    captain: Account,
    desk: CaptainDesk,
    shoot: Shoot,
) -> None:
    event_id = trip["event_id"]
    sign_waiver(phone().new_page(), event_id)
    waiver_id = desk.waiver_ids(event_id)[0]
    walk = Walk(phone().new_page(), "captain", shoot)
    sign_in(walk.page, captain)
    desk_title = "{} · Captain's desk".format
    walk.visit("/admin/events", "events", desk_title("Events"))
    walk.visit("/admin/events/new", "event-form", desk_title("New event"))
    walk.visit(f"/admin/events/{event_id}/edit", "event-edit", desk_title(f"Edit {event_id}"))
    walk.visit("/admin/crew", "crew", desk_title("Crew"))
    walk.visit(
        f"/admin/crew/credentials?email={captain.email}",
        "credentials",
        desk_title(f"Credentials of {captain.name}"),
    )
    walk.visit("/account", "account", "Your account · Ship Captain Crew")
    walk.visit("/admin/payments", "payments", re.compile(r"^Payments \S+ · Captain's desk$"))
    walk.visit("/admin/payments/range", "range", desk_title("Takings by day"))
    walk.visit("/admin/tips", "tips", desk_title("Tips"))
    walk.visit("/admin/audit", "audit", desk_title("Audit log"))
    walk.visit("/admin/notifications", "emails", desk_title("Emails"))
    walk.visit(
        f"/admin/events/{event_id}/waivers/{waiver_id}",
        "waiver-record",
        re.compile(r"^Waiver [0-9A-F]{8} · .+ · Captain's desk$"),
    )
    walk.visit(f"/dispatch/events/{event_id}", "trip", f"{trip_name(trip)} · Trip")
    # The captain's manifest has an "open waiver" link on each guest.
    walk.visit(f"/dispatch/events/{event_id}/manifest", "manifest", f"Manifest · {trip_name(trip)}")
    expect(walk.page.get_by_role("link", name="open waiver")).to_be_visible()
    walk.assert_clean()


def test_the_patron_link_without_javascript(
    nojs_page: Page, trip: dict[str, Any], crew: Account, base_url: str
) -> None:
    """JavaScript off: no Copy or Share button that would do nothing; the full link is
    in a field to select, and the QR code is there (it is drawn by the server)."""
    event_id = trip["event_id"]
    page = nojs_page
    page.goto("/login")
    page.get_by_label("Email").fill(crew.email)
    page.get_by_label("Password").fill(crew.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dispatch$"))
    page.goto(f"/dispatch/events/{event_id}")
    expect(page.get_by_role("textbox", name="Patron link")).to_have_value(
        f"{base_url}/g/{event_id}"
    )
    expect(page.get_by_role("img", name=re.compile("^QR code for the waiver link"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^(Copy link|Share…)$"))).to_have_count(0)
