"""Security, round two (issue 15): what an outside attack on the running app found.
One test (or a few) per finding; each fails without its fix."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.forms import MAX_LINE, text_field
from server.domain.rate_limits import (
    BUCKET_SECONDS,
    SIGN_IN_ACCOUNT,
    SIGN_IN_ACCOUNT_AND_IP,
    TRIP_MISSES_PER_IP,
    WAIVERS_PER_IP,
)
from server.domain.waiver_rules import signer_cap
from server.settings import Settings
from server.store import Store
from server.web.auth import attempt_sign_in
from server.web.render import safe_next
from tests.conftest import (
    HX,
    JSON,
    PASSWORD,
    add_event,
    add_user,
    csrf_from,
    sign_in,
    sign_in_through_form,
)
from tests.helpers.flows import sign, signer, waiver_form

# --- 10. free text is NFC, without control or bidi formatting characters ----------------


def test_text_fields_are_nfc_without_control_or_bidi_characters() -> None:
    form = {
        "full_name": "Ali\u202ece\x00 Smi\x07th\u200b",
        "accent": "Jose\u0301",  # e + combining acute: NFC makes one character
        "note": "line one\r\n\tline two\x00\u202e",
    }
    assert text_field(form, "full_name") == "Alice Smith"
    assert text_field(form, "accent") == "Jos\u00e9"
    assert text_field(form, "note", multiline=True) == "line one\n\tline two"
    assert text_field({"name": "a\tb\nc"}, "name") == "abc"  # single-line: no tab/newline


def test_a_bidi_override_in_a_signer_name_never_reaches_the_manifest(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    name = "\u202eAlice Smith"
    assert sign(client, event["event_id"], name=name, signature="Alice Smith").status_code == 303
    (waiver,) = store.waivers.for_event(event["event_id"])
    assert waiver["full_name"] == "Alice Smith"


def test_a_payment_note_keeps_its_newlines_but_not_nul(client: TestClient, store: Store) -> None:
    import re
    import uuid

    event = add_event(store)
    token = sign_in(client, store)
    response = client.post(
        f"/api/events/{event['event_id']}/payment",
        data={
            "csrf_token": token,
            "payment_id": str(uuid.uuid4()),
            "amount": "10",
            "method": "cash",
            "note": "tip\x00\r\nfor the crew\u202e",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    stored = store.events.get(event["event_id"])
    assert stored is not None
    assert stored["payments"][0]["note"] == "tip\nfor the crew"
    assert not re.search(r"[\x00\u202e]", str(stored["payments"]))


# --- 11. text fields are capped when read, and never echoed longer ----------------------


def test_sign_in_echoes_at_most_254_characters_of_the_email(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    huge = "a" * 1_000_000 + "@example.com"
    response = client.post("/login", data={"email": huge, "password": "x", "csrf_token": token})
    assert response.status_code == 401
    assert "a" * 254 in response.text and "a" * 255 not in response.text


def test_every_text_field_is_capped_when_read() -> None:
    assert len(text_field({"boat": "x" * 10_000}, "boat")) == MAX_LINE
    assert len(text_field({"email": "x" * 10_000}, "email")) == 254


def test_an_overlong_waiver_name_is_refused_and_echoed_capped(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    response = sign(client, event["event_id"], name="B" * 100_000)
    assert response.status_code == 422
    assert "B" * MAX_LINE in response.text and "B" * (MAX_LINE + 1) not in response.text
    assert store.waivers.for_event(event["event_id"]) == []


# --- 1. waiver flooding and email relay -------------------------------------------------


def _pending_copies(store: Store) -> int:
    return len(store.outbox.in_state("pending", limit=1000))


def test_one_client_ip_stores_at_most_30_waivers_in_15_minutes(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, capacity=200)
    for i in range(WAIVERS_PER_IP.most):
        answer = sign(client, event["event_id"], email=f"guest{i}@example.com")
        assert answer.status_code == 303, (i, answer.text)
    copies = _pending_copies(store)
    refused = sign(client, event["event_id"], email="one-more@example.com")
    assert refused.status_code == 429
    assert "Nothing was saved" in refused.text and int(refused.headers["retry-after"]) > 0
    assert len(store.waivers.for_event(event["event_id"])) == WAIVERS_PER_IP.most
    assert _pending_copies(store) == copies  # no email queued for the refusal
    # Another connection (another tablet) still signs.
    with TestClient(client.app, client=("203.0.113.9", 4000)) as other:
        assert sign(other, event["event_id"], email="x@example.com").status_code == 303


def test_a_trip_takes_its_capacity_plus_ten_signers_then_says_to_ask_the_crew(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, capacity=2)
    for i in range(2 + 10 - 1):
        assert sign(client, event["event_id"], email=f"g{i}@example.com").status_code == 303
    opened = waiver_form(client, event["event_id"])  # a form opened before the last place
    assert sign(client, event["event_id"], email="last@example.com").status_code == 303
    copies = _pending_copies(store)
    refused = client.post(
        f"/g/{event['event_id']}/waiver",
        data=signer(opened, email="late@example.com"),
        follow_redirects=False,
    )
    assert refused.status_code == 429 and "ask the crew" in refused.text
    assert len(store.waivers.for_event(event["event_id"])) == 12
    assert _pending_copies(store) == copies
    # The form itself now says so too, instead of taking a signature it cannot keep.
    form = client.get(f"/g/{event['event_id']}/waiver")
    assert form.status_code == 429 and "ask the crew" in form.text


def test_the_signer_cap_uses_party_size_when_there_is_no_capacity() -> None:
    assert signer_cap(capacity=8, party_size=4) == 18
    assert signer_cap(capacity=0, party_size=4) == 14
    assert signer_cap(capacity=0, party_size=0) == 50


def test_one_signer_copy_per_email_address_per_trip(client: TestClient, store: Store) -> None:
    event = add_event(store)
    first = sign(client, event["event_id"], email="family@example.com")
    second = sign(
        client,
        event["event_id"],
        name="Bob Smith",
        signature="Bob Smith",
        email="family@example.com",
    )
    assert first.status_code == second.status_code == 303
    assert len(store.waivers.for_event(event["event_id"])) == 2  # both signed
    assert _pending_copies(store) == 1  # one copy sent to that address
    assert store.waivers.owing_notices() == []


# --- 2. guessing patron links -----------------------------------------------------------


def test_unknown_trip_guesses_from_one_ip_are_throttled(client: TestClient, store: Store) -> None:
    event = add_event(store)
    for i in range(TRIP_MISSES_PER_IP.most):
        assert client.get(f"/g/2030-01-{1 + i % 28:02d}-guess").status_code == 404
    blocked = client.get(f"/g/{event['event_id']}")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert client.get(f"/g/{event['event_id']}/waiver").status_code == 429
    with TestClient(client.app, client=("198.51.100.7", 4000)) as other:
        assert other.get(f"/g/{event['event_id']}").status_code == 200


def test_the_guess_throttle_ends_with_its_window(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = add_event(store)
    now = [1_900_000_000.0]
    monkeypatch.setattr("server.web.waivers.time.time", lambda: now[0])
    with TestClient(create_app(store.settings, store)) as client:
        for _ in range(TRIP_MISSES_PER_IP.most):
            client.get("/g/2030-01-01-guess")
        blocked = client.get(f"/g/{event['event_id']}")
        assert blocked.status_code == 429
        wait = int(blocked.headers["retry-after"])
        window = TRIP_MISSES_PER_IP.window_seconds
        assert window <= wait <= window + BUCKET_SECONDS
        now[0] += wait - 1
        assert client.get(f"/g/{event['event_id']}").status_code == 429
        now[0] += 1
        assert client.get(f"/g/{event['event_id']}").status_code == 200


# --- 3. a non-ASCII CSRF token is a 403, not a 500 --------------------------------------


@pytest.mark.parametrize("where", ["form", "header"])
def test_a_non_ascii_csrf_token_is_refused_with_403(client: TestClient, where: str) -> None:
    client.get("/login")  # the visitor's CSRF cookie
    data = {"email": "a@example.com", "password": "x"}
    if where == "form":
        response = client.post("/login", data={**data, "csrf_token": "é"})
    else:
        response = client.post("/login", data=data, headers={"X-CSRF-Token": "é".encode()})  # type: ignore[arg-type]
    assert response.status_code == 403


# --- 4. CSRF tokens are bound to the session --------------------------------------------


def test_an_anonymous_visitors_token_does_not_work_with_a_crew_session(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    sign_in(client, store)
    with TestClient(client.app) as attacker:
        token = csrf_from(attacker.get("/login").text)
        cookie = attacker.cookies.get("scc_csrf")
    assert cookie
    session = client.cookies.get("scc_session")
    assert session
    client.cookies.clear()  # exactly the crew's session and the attacker's CSRF cookie
    client.cookies.set("scc_session", session)
    client.cookies.set("scc_csrf", cookie)
    response = client.post(
        f"/api/events/{event['event_id']}/payment",
        data={
            "csrf_token": token,
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
        },
        follow_redirects=False,
    )
    assert response.status_code == 403
    stored = store.events.get(event["event_id"])
    assert stored is not None and stored["payments"] == []


def test_the_csrf_token_changes_at_sign_in_and_dies_with_the_session(
    client: TestClient, store: Store
) -> None:
    before = csrf_from(client.get("/login").text)
    after = sign_in_through_form(client, store)
    assert after != before
    client.post("/logout", data={"csrf_token": after}, follow_redirects=False)
    # Neither the signed-in token nor the one from before sign-in works any more.
    for token in (before, after):
        response = client.post(
            "/login", data={"email": "a@example.com", "password": "x", "csrf_token": token}
        )
        assert response.status_code == 403


def test_the_csrf_cookie_has_the_host_prefix_over_https(
    store_with: Callable[..., Store],
) -> None:
    store = store_with(SCC_BASE_URL="https://crew.example.com")
    app = create_app(store.settings, store)
    with TestClient(app, base_url="https://crew.example.com") as client:
        response = client.get("/login")
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if "scc_csrf=" in c]
    assert cookie.startswith("__Host-scc_csrf=") and "Secure" in cookie and "Path=/" in cookie


# --- 5. no lockout of the owner from elsewhere; sliding limits ---------------------------


def _sign_in_from(app: Any, ip: str, email: str, password: str) -> int:
    with TestClient(app, client=(ip, 5000)) as browser:
        token = csrf_from(browser.get("/login").text)
        return browser.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        ).status_code


def test_failures_from_one_ip_do_not_lock_the_owner_out_elsewhere(
    client: TestClient, store: Store
) -> None:
    add_user(store, "captain@example.com", role="captain")
    app = client.app
    statuses = [
        _sign_in_from(app, "192.0.2.66", "captain@example.com", "wrong password")
        for _ in range(SIGN_IN_ACCOUNT_AND_IP.most)
    ]
    assert statuses[-1] == 429
    assert _sign_in_from(app, "192.0.2.66", "captain@example.com", PASSWORD) == 429
    assert _sign_in_from(app, "198.51.100.20", "captain@example.com", PASSWORD) == 303


def test_an_account_wide_limit_stops_guessing_spread_over_many_ips(store: Store) -> None:
    add_user(store, "captain@example.com", role="captain")
    now = time.time()
    for i in range(SIGN_IN_ACCOUNT.most):
        attempt_sign_in(store, "captain@example.com", "wrong", f"10.0.{i // 4}.{i % 4}", now)
    result = attempt_sign_in(store, "captain@example.com", PASSWORD, "10.9.9.9", now + 1)
    assert result.user is None and result.locked_until is not None


def test_a_burst_straddling_a_window_boundary_gets_no_extra_guesses(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.web.auth
    from server.domain.users import check_password

    add_user(store, "ana@example.com")
    checked = []
    real_check = check_password

    def counting(user: Any, password: str) -> bool:
        checked.append(password)
        return real_check(user, password)

    monkeypatch.setattr(server.web.auth, "check_password", counting)
    window = SIGN_IN_ACCOUNT_AND_IP.window_seconds
    boundary = float((1_900_000_000 // window + 1) * window)
    for i in range(2 * SIGN_IN_ACCOUNT_AND_IP.most):  # half before the boundary, half after
        attempt_sign_in(store, "ana@example.com", "wrong", "192.0.2.1", boundary - 5 + i)
    assert len(checked) == SIGN_IN_ACCOUNT_AND_IP.most


# --- 6. no-store for signed-in visitors and JSON ----------------------------------------


def test_signed_in_pages_and_json_are_never_stored(client: TestClient, store: Store) -> None:
    event = add_event(store)
    anonymous_json = client.get(f"/api/events/{event['event_id']}", headers=JSON)
    assert anonymous_json.status_code == 401
    assert anonymous_json.headers["cache-control"] == "no-store"
    sign_in(client, store, role="captain")
    for path, headers in (
        ("/dispatch", {}),
        (f"/dispatch/events/{event['event_id']}", {}),
        (f"/dispatch/events/{event['event_id']}", HX),
        (f"/api/events/{event['event_id']}", JSON),
        ("/admin/events", {}),
        ("/admin/crew", {}),
        ("/admin/payments", {}),
        ("/no-such-page", {}),
    ):
        response = client.get(path, headers=headers)
        assert response.headers.get("cache-control") == "no-store", path


def test_static_files_stay_cacheable_for_signed_in_visitors(
    client: TestClient, store: Store
) -> None:
    import re

    sign_in(client, store)
    static = re.search(r'href="(/static/app\.[0-9a-f]+\.css)"', client.get("/dispatch").text)
    assert static
    assert "immutable" in client.get(static.group(1)).headers["cache-control"]


# --- 7. the Host header never reaches a redirect ----------------------------------------


def test_an_unknown_host_is_refused(client: TestClient) -> None:
    response = client.get("/dispatch/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("location", "")


def test_the_trailing_slash_redirect_is_relative(client: TestClient) -> None:
    response = client.get("/dispatch/", follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/dispatch"


def test_allowed_hosts_come_from_the_base_url_and_the_function_url() -> None:
    base = {"SCC_SECRET_KEY": "k" * 40, "AWS_REGION": "eu-west-1"}
    local = Settings.from_env(base)
    assert local.trusted_hosts == ["localhost", "127.0.0.1", "::1"]
    deployed = Settings.from_env(
        {
            **base,
            "SCC_BASE_URL": "https://book.example",
            "SCC_ORIGIN_SECRET": "s" * 40,
            "SCC_ALLOWED_HOSTS": "www.book.example",
        }
    )
    assert deployed.trusted_hosts == [
        "book.example",
        "*.lambda-url.eu-west-1.on.aws",
        "www.book.example",
    ]


# --- 8. `next` is normalised once --------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("/dispatch/events/2030-01-01-ann", "/dispatch/events/2030-01-01-ann"),
        (
            "/admin/payments?from=2030-01-01&to=2030-01-31",
            "/admin/payments?from=2030-01-01&to=2030-01-31",
        ),
        ("/\t/evil.example", "/dispatch"),
        ("/dispatch\r\nSet-Cookie: x=1", "/dispatch"),
        ("//evil.example", "/dispatch"),
        ("/\\evil.example", "/dispatch"),
        ("https://evil.example/", "/dispatch"),
        ("/\u202eevil", "/dispatch"),
        ("/g/café", "/g/caf%C3%A9"),
        ("", "/dispatch"),
    ],
)
def test_next_is_a_same_site_path(sent: str, kept: str) -> None:
    assert safe_next(sent) == kept


@pytest.mark.parametrize("target", ["/\t/evil.example", "/x\r\nX: y", "/\x00"])
def test_htmx_sign_in_never_redirects_off_site(
    client: TestClient, store: Store, target: str
) -> None:
    email = add_user(store, "deck@example.com")
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": target},
        headers=HX,
        follow_redirects=False,
    )
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/dispatch"


def test_the_login_redirect_carries_next_encoded(client: TestClient) -> None:
    response = client.get("/admin/payments?from=2030-01-01&to=2030-01-31", follow_redirects=False)
    assert response.headers["location"] == (
        "/login?next=/admin/payments%3Ffrom%3D2030-01-01%26to%3D2030-01-31"
    )


# --- 9. `scc local` ignores proxy headers -----------------------------------------------


# Item 9 (`scc local` ignores X-Forwarded-For) is proven end to end in
# tests/integration/test_local.py.
