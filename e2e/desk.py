"""The captain's desk: how the suite makes its own crew accounts and trips on any stage.

Everything goes through the app's own forms (`/login`, `/admin/crew`, `/admin/events`,
the status and disable buttons) with the captain's sign-in, the same requests a browser
sends for those forms, with no database, table prefix or secret key. What it makes is
recognisable and unique (patron first names and crew names start with "Qa", followed by
random letters) and is undone afterwards: its trips are cancelled, its accounts disabled.
"""

from __future__ import annotations

import html
import re
import secrets
import string
import uuid
from datetime import date
from typing import Any

from playwright.sync_api import APIRequestContext, APIResponse, Playwright

from e2e.helpers import JSON, Account

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_DATE_FIELD = re.compile(r'id="date" name="date" type="date" value="([0-9-]{10})"')
_EVENT_IDS = re.compile(r"\b([0-9]{4}-[0-9]{2}-[0-9]{2})-[a-z]+(?:-[a-z0-9]+)?\b")
_WAIVER_IDS = re.compile(r'name="waiver_id" value="([0-9a-f-]{36})"')

EVENT_DEFAULTS = {
    "period": "whale",
    "start_time": "09:30",
    "party_size": "5",
    "capacity": "12",
    "duration_minutes": "180",
    "total_price": "500.00",
    "boat": "Orca",
    "meeting_point": "Dock B",
    "notes": "",
}


def letters(n: int = 8) -> str:
    """Random lower-case letters: event ids take letters only in the patron's name."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def qa_first_name() -> str:
    return "Qa" + letters()


class DeskError(AssertionError):
    """The app refused something the suite needs to set up (the message says what)."""


def desk_request(playwright: Playwright, base_url: str) -> APIRequestContext:
    """The desk's HTTP client: a new connection per request. A kept-alive one can be
    closed by the server (uvicorn's 5 s idle) just as the desk sends on it, an
    ECONNRESET seen at load 19 (Chromium retries such a request itself; Playwright's
    request context does not)."""
    return playwright.request.new_context(
        base_url=base_url, extra_http_headers={"Connection": "close"}
    )


class CaptainDesk:
    """A signed-in captain session over HTTP, remembering what it made."""

    def __init__(self, request: APIRequestContext, captain: Account) -> None:
        self.request = request
        self.captain = captain
        self.events: list[str] = []
        self.accounts: list[str] = []
        self._csrf = ""

    # --- plumbing -----------------------------------------------------------------------

    def _check(self, response: APIResponse, what: str, final_path: str | None = None) -> str:
        body = response.text()
        if not response.ok or (final_path and final_path not in response.url):
            raise DeskError(f"{what}: HTTP {response.status} at {response.url}\n{body[:2000]}")
        return body

    def _page(self, path: str) -> str:
        body = self._check(self.request.get(path), f"GET {path}")
        if found := _CSRF.search(body):
            self._csrf = found.group(1)
        return body

    def _post(self, path: str, form: dict[str, str], what: str, lands_on: str) -> APIResponse:
        if not self._csrf:
            self._page("/dispatch")
        response = self.request.post(path, form={**form, "csrf_token": self._csrf})
        self._check(response, what, lands_on)
        return response

    def sign_in(self) -> None:
        """Sign in through the login form; stops the run if the captain cannot."""
        body = self._check(self.request.get("/login"), "GET /login")
        token = _CSRF.search(body)
        if token is None:
            raise DeskError(f"no CSRF token on {self.request}/login")
        response = self.request.post(
            "/login",
            form={
                "csrf_token": token.group(1),
                "next": "/admin/events",
                "email": self.captain.email,
                "password": self.captain.password,
            },
        )
        if not response.ok or "/admin/events" not in response.url:
            raise DeskError(
                f"the captain {self.captain.email} could not sign in (HTTP {response.status} "
                f"at {response.url}): check SCC_E2E_CAPTAIN_EMAIL / SCC_E2E_CAPTAIN_PASSWORD"
            )
        self._page("/admin/events")

    # --- reading --------------------------------------------------------------------------

    def today(self) -> date:
        """The operator's today, as the app decides it (the new-event form's default date):
        a stage's time zone is its own."""
        found = _DATE_FIELD.search(self._page("/admin/events/new"))
        if found is None:
            raise DeskError("the new-event form has no default date")
        return date.fromisoformat(found.group(1))

    def last_trip_day(self) -> date:
        """The date of the latest upcoming trip on the stage (today when there is none)."""
        days = [date.fromisoformat(d) for d in _EVENT_IDS.findall(self._page("/admin/events"))]
        return max([self.today(), *days])

    def event(self, event_id: str) -> dict[str, Any]:
        """The trip as the JSON API reports it."""
        response = self.request.get(f"/api/events/{event_id}", headers=JSON)
        self._check(response, f"GET /api/events/{event_id}")
        data: dict[str, Any] = response.json()
        return data

    def waiver_ids(self, event_id: str) -> list[str]:
        """One entry per guest row of the trip's manifest: the waiver each row is under."""
        return _WAIVER_IDS.findall(self._page(f"/dispatch/events/{event_id}/manifest"))

    # --- making things --------------------------------------------------------------------

    def add_crew(self, name: str = "", role: str = "crew") -> Account:
        """A new account through the Crew accounts form (disabled at the end of the run)."""
        account = Account(
            email=f"qa-{role}-{uuid.uuid4().hex[:10]}@example.com",
            password="kelp-forest-" + secrets.token_urlsafe(12),
            name=name or f"Qa {letters(6).capitalize()} Deckhand",
        )
        self._post(
            "/admin/crew",
            {
                "email": account.email,
                "name": account.name,
                "role": role,
                "password": account.password,
            },
            f"add {role} account {account.email}",
            "/admin/crew?done=added",
        )
        self.accounts.append(account.email)
        return account

    def track_account(self, email: str) -> None:
        """An account a test added through the browser: disable it at the end too."""
        self.accounts.append(email)

    def create_event(self, day: date, first_name: str, **fields: str) -> dict[str, Any]:
        """A trip through the New event form; returns it as the JSON API reports it."""
        values = {**EVENT_DEFAULTS, **fields, "date": day.isoformat(), "first_name": first_name}
        response = self._post(
            "/admin/events", values, f"create event for {first_name} on {day}", "?created=1"
        )
        event_id = response.url.split("/admin/events/", 1)[1].split("/", 1)[0]
        self.events.append(event_id)
        return self.event(event_id)

    def track_event(self, event_id: str) -> None:
        """A trip a test created through the browser: cancel it at the end too."""
        self.events.append(event_id)

    def log_payment(self, event_id: str, amount: str, method: str = "card", note: str = "") -> None:
        """A payment through the Log Payment endpoint, as the captain."""
        response = self.request.post(
            f"/api/events/{event_id}/payment",
            form={
                "payment_id": str(uuid.uuid4()),
                "amount": amount,
                "method": method,
                "note": note,
                "csrf_token": self._csrf,
            },
            headers=JSON,
        )
        if response.status != 201:
            raise DeskError(f"log payment on {event_id}: HTTP {response.status} {response.text()}")

    def assign_crew(self, event_id: str, email: str, role: str = "deckhand") -> None:
        """Assign a crew account to the trip through the event page's Crew form."""
        self._post(
            f"/admin/events/{event_id}/crew",
            {"email": email, "role": role},
            f"assign {email} to {event_id}",
            "done=assigned",
        )

    def cancel_event(self, event_id: str) -> None:
        self._post(
            f"/admin/events/{event_id}/status",
            {"status": "cancelled"},
            f"cancel {event_id}",
            f"/admin/events/{event_id}/edit",
        )
        if event_id in self.events:
            self.events.remove(event_id)

    def disable_account(self, email: str) -> None:
        self._post(
            "/admin/crew/disable", {"email": email}, f"disable {email}", "/admin/crew?done=disabled"
        )

    def clean_up(self) -> list[str]:
        """Cancel every trip and disable every account made so far; returns what failed
        (cleaning up goes on past a failure, so one bad item does not leave the rest)."""
        problems = []
        for event_id in dict.fromkeys(self.events):
            try:
                if self.event(event_id).get("status") != "cancelled":
                    self.cancel_event(event_id)
            except DeskError as exc:
                problems.append(html.unescape(str(exc))[:300])
        self.events.clear()
        for email in dict.fromkeys(self.accounts):
            try:
                self.disable_account(email)
            except DeskError as exc:
                problems.append(html.unescape(str(exc))[:300])
        self.accounts.clear()
        return problems
