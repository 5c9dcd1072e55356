"""Helpers shared by the browser tests (imported as `e2e.helpers`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright._impl._api_structures import SetCookieParam

JSON = {"Accept": "application/json"}


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str


# Each account's signed-in cookies (Playwright's storage state), from its first sign-in
# through the form this session: Argon2 makes every sign-in cost a second of the server's
# time, and most tests sign in only to start from the dashboard.
_signed_in: dict[str, list[SetCookieParam]] = {}


def sign_in(page: Page, account: Account) -> None:
    """Signed in as `account`, on the dashboard once it has finished loading (so htmx,
    when JavaScript is on, is ready before the test clicks anything): with the account's
    session from earlier in this run when it is still alive, else through the real form
    (a test that signs out ends that session, and the next sign-in uses the form)."""
    cookies = _signed_in.get(account.email)
    if cookies is not None:
        page.context.add_cookies(cookies)
        page.goto("/dispatch")
        if urlsplit(page.url).path == "/dispatch":  # not /login?next=/dispatch
            expect(page.get_by_role("heading", name="Upcoming trips")).to_be_visible()
            return
        page.context.clear_cookies()  # signed out since: a fresh session
    sign_in_through_form(page, account)
    state = page.context.storage_state()
    _signed_in[account.email] = [
        cast("SetCookieParam", dict(cookie)) for cookie in state["cookies"]
    ]


def sign_in_through_form(page: Page, account: Account) -> None:
    """Sign in through the real form and wait for the dashboard to finish loading."""
    page.goto("/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dispatch$"), wait_until="load")
    expect(page.get_by_role("heading", name="Upcoming trips")).to_be_visible()


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined")


@contextmanager
def settled(page: Page) -> Iterator[None]:
    """Waits, after the block, until the htmx swap it started has settled: htmx runs a
    swapped-in element's `autofocus` (and its `htmx:load`) in the settle step, ~20 ms
    after the swap, so typing into another field before then can land in the focused one."""
    page.evaluate(
        """() => { window.__sccSettled = false;
                   document.addEventListener("htmx:afterSettle",
                     () => { window.__sccSettled = true; }, {once: true}); }"""
    )
    yield
    page.wait_for_function("() => window.__sccSettled === true")


def event_json(page: Page, event_id: str) -> dict[str, Any]:
    """The event as the JSON API reports it, with the page's own session cookie."""
    response = page.request.get(f"/api/events/{event_id}", headers=JSON)
    assert response.status == 200, response.text()
    data: dict[str, Any] = response.json()
    return data


def card(page: Page, event_id: str) -> Locator:
    return page.locator(f"#card-{event_id}")


def fact(card_locator: Locator, label: str) -> Locator:
    """The <dd> of the card fact whose <dt> reads `label`."""
    return card_locator.locator(f'.facts > div:has(> dt:text-is("{label}")) > dd')


def log_payment_link(card_locator: Locator) -> Locator:
    return card_locator.get_by_role("link", name=re.compile(r"^Log Payment"))


# A Content-Security-Policy violation as the page reports it (an init script runs outside
# the page's CSP, so it can listen); the console says the same in words.
CSP_PROBE = """
window.__cspViolations = 0;
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations += 1;
  console.error("CSP violation: " + e.violatedDirective + " blocked " +
    (e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber +
    " [" + (e.sample || "") + "] (Content Security Policy)");
});
"""


class CspWatch:
    """Every CSP violation in the browser contexts it watches, with the page's URL.

    The browser suite's autouse fixture (`no_csp_violations` in e2e/conftest.py) watches
    every context a test makes and fails the test on any violation."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.add_init_script(script=CSP_PROBE)
        context.on("console", self._console)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        if "content security policy" in message.text.lower():
            where = message.page.url if message.page else "(no page)"
            self.violations.append(f"{where}: {message.text}")

    @staticmethod
    def flush(context: BrowserContext) -> None:
        """A round trip to each open page, so console messages already sent are in."""
        for page in context.pages:
            if not page.is_closed():
                try:
                    page.evaluate("0")
                except PlaywrightError:  # navigating or crashed: nothing more to hear
                    pass
