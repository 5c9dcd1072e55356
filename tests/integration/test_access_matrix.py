"""Who can do what: every route of the app (taken from the router) against every kind
of visitor, with the exact status each must get. A route missing here fails the test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server import ROOT
from server.app import create_app
from server.domain.boats import Boat
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.store import Store
from server.web import csrf
from server.web.assets import Assets
from server.web.auth import _session_key
from tests.conftest import PASSWORD, add_event, add_user, csrf_from
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.sealing import signing_env

# The visitors. Sessions that are dead (user disabled, signed out, expired) must be
# treated exactly like anonymous visitors.
SUBJECTS = ("anonymous", "crew", "captain", "disabled", "signed_out", "expired", "no_csrf")
DEAD = ("anonymous", "disabled", "signed_out", "expired")

PUBLIC = dict.fromkeys(SUBJECTS, 200)
ANYONE_REDIRECTED = dict.fromkeys(SUBJECTS, 303)


def crew_page(ok: int = 200) -> dict[str, int]:
    return {**dict.fromkeys(DEAD, 303), "crew": ok, "captain": ok, "no_csrf": ok}


def crew_post(ok: int) -> dict[str, int]:
    return {**dict.fromkeys(DEAD, 303), "crew": ok, "captain": ok, "no_csrf": 403}


def captain_page(ok: int = 200) -> dict[str, int]:
    return {**dict.fromkeys(DEAD, 303), "crew": 403, "captain": ok, "no_csrf": ok}


def captain_post(ok: int) -> dict[str, int]:
    return {**dict.fromkeys(DEAD, 303), "crew": 403, "captain": ok, "no_csrf": 403}


def public_post(ok: int) -> dict[str, int]:
    return {**dict.fromkeys(SUBJECTS, ok), "no_csrf": 403}


# (method, route path) -> expected status per subject. POSTs send only the CSRF token
# (or, for check-in, a valid body), so an allowed POST is refused by validation, never
# stored: the point here is who gets past the guards.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): ANYONE_REDIRECTED,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/login"): {**dict.fromkeys(DEAD, 200), "crew": 303, "captain": 303, "no_csrf": 303},
    ("POST", "/login"): public_post(401),
    ("GET", "/static/{path}"): PUBLIC,
    ("GET", "/g/{event_id}"): PUBLIC,
    ("GET", "/g/{event_id}/waiver"): PUBLIC,
    ("POST", "/g/{event_id}/waiver"): public_post(422),
    ("GET", "/g/{event_id}/waiver/signed/{waiver_id}"): PUBLIC,
    # Online payments (issue 28): this app has no Stripe settings, so they are 404 (with
    # Stripe: tests/integration/test_online_payments.py); the webhook takes no token.
    ("POST", "/g/{event_id}/pay"): public_post(404),
    ("GET", "/g/{event_id}/paid"): dict.fromkeys(SUBJECTS, 404),
    ("POST", "/webhooks/stripe"): dict.fromkeys(SUBJECTS, 404),
    ("POST", "/dispatch/events/{event_id}/pay-link"): captain_post(404),
    ("GET", "/dispatch"): crew_page(),
    ("GET", "/dispatch/events/{event_id}"): crew_page(),
    ("GET", "/dispatch/events/{event_id}/payment"): crew_page(),
    # A refused plain form answers 303 to its page, which shows the refusal (issue 24).
    ("POST", "/dispatch/events/{event_id}/payment"): crew_post(303),
    ("GET", "/dispatch/events/{event_id}/manifest"): crew_page(),
    ("POST", "/dispatch/events/{event_id}/manifest/checkin"): crew_post(303),
    ("GET", "/dispatch/events/{event_id}/depart"): crew_page(),
    ("POST", "/dispatch/events/{event_id}/depart"): crew_post(422),
    ("POST", "/dispatch/events/{event_id}/late"): crew_post(409),
    ("POST", "/dispatch/events/{event_id}/back"): crew_post(409),
    ("GET", "/dispatch/events/{event_id}/back"): crew_page(409),  # not out: nothing to confirm
    ("POST", "/dispatch/events/{event_id}/back/undo"): crew_post(409),
    ("GET", "/api/events/{event_id}"): crew_page(),
    ("POST", "/api/events/{event_id}/payment"): crew_post(422),
    ("POST", "/api/events/{event_id}/payments/{payment_id}/void"): captain_post(422),
    ("GET", "/dispatch/events/{event_id}/payments/{payment_id}/void"): captain_page(),
    ("POST", "/dispatch/events/{event_id}/payments/{payment_id}/void"): captain_post(422),
    ("GET", "/admin"): captain_page(303),
    ("GET", "/admin/events"): captain_page(),
    ("POST", "/admin/events"): captain_post(422),
    ("GET", "/admin/events/new"): captain_page(),
    ("GET", "/admin/events/id-preview"): captain_page(),
    ("GET", "/admin/events/{event_id}/edit"): captain_page(),
    ("POST", "/admin/events/{event_id}"): captain_post(422),
    ("POST", "/admin/events/{event_id}/status"): captain_post(400),
    ("GET", "/admin/events/{event_id}/cancel"): captain_page(),
    ("POST", "/admin/events/{event_id}/rename"): captain_post(422),
    ("GET", "/admin/events/{event_id}/waivers/{waiver_id}"): captain_page(),
    ("GET", "/admin/events/{event_id}/waivers/{waiver_id}/pdf"): captain_page(),
    ("GET", "/admin/crew"): captain_page(),
    ("POST", "/admin/crew"): captain_post(422),
    ("POST", "/admin/crew/password"): captain_post(404),
    ("POST", "/admin/crew/disable"): captain_post(404),
    ("GET", "/admin/crew/confirm-disable"): captain_page(404),
    ("POST", "/admin/crew/enable"): captain_post(404),
    ("POST", "/admin/events/{event_id}/crew"): captain_post(422),
    ("POST", "/admin/events/{event_id}/crew/remove"): captain_post(422),
    ("GET", "/admin/crew/credentials"): captain_page(404),
    ("POST", "/admin/crew/credentials"): captain_post(404),
    ("GET", "/account"): crew_page(),
    ("POST", "/account/feed"): crew_post(303),
    ("POST", "/account/feed/revoke"): crew_post(303),
    # The calendar feed needs no session: only its token opens it (issue 27).
    ("GET", "/calendar/{token}.ics"): dict.fromkeys(SUBJECTS, 404),
    ("GET", "/admin/payments"): captain_page(),
    ("GET", "/admin/payments/range"): captain_page(),
    ("GET", "/admin/payments.csv"): captain_page(),
    ("GET", "/admin/tips"): captain_page(),
    # A trip without crew has no shares to set: refused, nothing stored.
    ("POST", "/admin/events/{event_id}/tip-shares"): captain_post(422),
    ("POST", "/admin/tips/payouts"): captain_post(422),
    ("GET", "/admin/tips.csv"): captain_page(),
    ("GET", "/account/tips"): crew_page(),
    ("GET", "/admin/notifications"): captain_page(),
    ("POST", "/admin/notifications/resend"): captain_post(404),
    ("GET", "/admin/audit"): captain_page(),
    ("GET", "/admin/boats"): captain_page(),
    ("POST", "/admin/boats"): captain_post(422),
    ("GET", "/admin/boats/{boat_id}/edit"): captain_page(),
    ("POST", "/admin/boats/{boat_id}"): captain_post(422),
    ("GET", "/admin/events/{event_id}/log"): captain_page(),
    ("GET", "/admin/logs"): captain_page(),
    # Last: signing out ends the subject's session, and with it the session's CSRF
    # token, so only the anonymous visitor's token still works for the next POST.
    ("POST", "/logout"): public_post(303),
    # (signed_out's replayed cookie was set by hand, so the jar keeps it past /logout.)
    ("POST", "/logout/everywhere"): {
        **dict.fromkeys(SUBJECTS, 403),
        "anonymous": 303,
        "signed_out": 303,
    },
}


def app_routes() -> set[tuple[str, str]]:
    found = set()
    for route in create_app().routes:
        if isinstance(route, Route):
            found |= {(m, route.path) for m in (route.methods or set()) - {"HEAD"}}
        elif isinstance(route, Mount):
            found.add(("GET", f"{route.path}/{{path}}"))
    return found


def test_every_route_is_in_the_matrix() -> None:
    assert app_routes() == set(MATRIX)


@dataclass
class Visitor:
    client: TestClient
    token: str  # the CSRF token this visitor's forms carry ("" for no_csrf)


@pytest.fixture
def world(
    store_with: Callable[..., Store], tmp_path: Path
) -> Iterator[tuple[dict[str, Visitor], dict[str, str]]]:
    # With a signing key, so the captain's download of the sealed PDF answers 200.
    store = store_with(**signing_env(), SCC_LOCAL_DATA=str(tmp_path))
    event = add_event(store)
    event_id = event["event_id"]
    payment_id = str(uuid.uuid4())
    store.events.append_payment(
        event_id,
        {
            "payment_id": payment_id,
            "kind": "payment",
            "amount": Decimal("10.00"),
            "method": "cash",
            "note": "",
            "logged_by": "x@example.com",
            "logged_at": "2030-01-01T00:00:00Z",
        },
        MAX_ENTRIES,
        MAX_LEDGER_BYTES,
    )
    app = create_app(store.settings, store)
    clients: dict[str, Visitor] = {}
    with TestClient(app) as patron:
        sign_waiver(patron, event_id)
    waiver_id = store.waivers.for_event(event_id)[0]["waiver_id"]
    store.boats.add(Boat("otter", "Sea Otter", "", 6, 1, "", ""))
    for subject in SUBJECTS:
        client = TestClient(app)
        client.__enter__()
        token = csrf_from(client.get("/login").text)
        role = "captain" if subject in ("captain", "no_csrf") else "crew"
        if subject != "anonymous":
            email = add_user(store, f"{subject}@example.com", role=role)
            client.post(
                "/login",
                data={"email": email, "password": PASSWORD, "csrf_token": token},
                follow_redirects=False,
            )
            session_id = client.cookies.get("scc_session")
            assert session_id
            token = csrf_from(client.get("/dispatch").text)  # bound to this session
            if subject == "disabled":
                store.users.set_disabled(email, True)
                store.sessions.delete_for_user(email)
            elif subject == "signed_out":
                client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
                client.cookies.set("scc_session", session_id)  # replay the old cookie
            elif subject == "expired":
                store.sessions.table.update_item(
                    Key={"session_key": _session_key(session_id)},
                    UpdateExpression="SET last_seen_at = :t",
                    ExpressionAttributeValues={":t": int(time.time()) - 15 * 86400},
                )
                # As after the per-process cache's few seconds: the stored session counts.
                store.sessions.forget(_session_key(session_id))
        clients[subject] = Visitor(client, "" if subject == "no_csrf" else token)
    # Served under its hashed name only, as the bucket holds it (plain names are 404).
    static = Assets(ROOT / "static").names["app.css"]
    params = {
        "event_id": event_id,
        "payment_id": payment_id,
        "waiver_id": waiver_id,
        "boat_id": "otter",
        "path": static,
        "token": "A" * 43,  # a feed token of the right shape that opens nothing
    }
    try:
        yield clients, params
    finally:
        for visitor in clients.values():
            visitor.client.__exit__(None, None, None)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_access_matrix(
    world: tuple[dict[str, Visitor], dict[str, str]], store: Store, subject: str
) -> None:
    clients, params = world
    visitor = clients[subject]
    before = store.events.get(params["event_id"])
    failures = []
    for (method, template), expected in MATRIX.items():
        path = template.format(**params)
        if method == "GET":
            response = visitor.client.get(path, follow_redirects=False)
        else:
            data = {"csrf_token": visitor.token} if visitor.token else {}
            if template.endswith("/checkin"):
                data.update(waiver_id=params["waiver_id"], guest="signer", checked_in="yes")
            response = visitor.client.post(path, data=data, follow_redirects=False)
        if response.status_code != expected[subject]:
            failures.append(
                f"{method} {template}: {response.status_code}, expected {expected[subject]}"
            )
        assert response.status_code < 500
    assert failures == []
    after = store.events.get(params["event_id"])
    assert after is not None and before is not None
    assert after["payments"] == before["payments"]  # nobody's POST stored a payment
    assert after.get("status") == before.get("status")


# --- CSRF is on for every POST route, not left to each handler ------------------------


def _post_paths(params: dict[str, str]) -> list[str]:
    """Every POST route but the CSRF-exempt ones (csrf.EXEMPT: Stripe's webhook)."""
    exempt = ("/webhooks/stripe",)
    return [
        template.format(**params)
        for method, template in MATRIX
        if method == "POST" and template not in exempt
    ]


def _anonymous_token(app: Starlette) -> tuple[str, str]:
    """What an attacker gets by opening /login: its own CSRF cookie and token."""
    with TestClient(app) as attacker:
        token = csrf_from(attacker.get("/login").text)
        cookie = attacker.cookies.get("scc_csrf")
    assert cookie
    return cookie, token


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(
    world: tuple[dict[str, Visitor], dict[str, str]], store: Store
) -> None:
    clients, params = world
    captain = clients["no_csrf"].client  # a live captain session
    app = captain.app
    assert isinstance(app, Starlette)
    anon_cookie, anon_token = _anonymous_token(app)
    other_captain = clients["captain"].token  # another live session's token
    session = captain.cookies.get("scc_session")
    assert session
    before = store.events.get(params["event_id"])
    failures = []
    for path in _post_paths(params):
        attempts = {
            "missing": ({}, {}),
            "anonymous visitor's token and cookie": (
                {"csrf_token": anon_token},
                {"scc_csrf": anon_cookie},
            ),
            "another session's token": ({"csrf_token": other_captain}, {}),
            "non-ASCII token": ({"csrf_token": "é"}, {}),
        }
        for name, (data, cookies) in attempts.items():
            # Exactly the captain's session cookie, plus the attacker's CSRF cookie.
            captain.cookies.clear()
            captain.cookies.set("scc_session", session)
            for key, value in cookies.items():
                captain.cookies.set(key, value)
            response = captain.post(path, data=data, follow_redirects=False)
            if response.status_code != 403:
                failures.append(f"POST {path} with {name}: {response.status_code}")
    assert failures == []
    assert store.events.get(params["event_id"]) == before


def test_only_stripes_signed_webhook_is_exempt_from_csrf() -> None:
    # Issue 28: Stripe's server has no session or token; its signature is checked instead
    # (tests/integration/test_online_payments.py: a forged one is 400, nothing stored).
    assert set(csrf.EXEMPT) == {"stripe_webhook"}
