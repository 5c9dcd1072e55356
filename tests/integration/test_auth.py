"""Sign-in, sessions, role guards and CSRF through the real app and dynalite."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.store import Store
from server.store.sessions import CACHE_SECONDS
from server.web.auth import _session_key
from tests.conftest import HX, JSON, PASSWORD, add_user, csrf_from, sign_in
from tests.helpers.typed import found


def _login(client: TestClient, email: str, password: str, token: str | None = None):  # type: ignore[no-untyped-def]
    token = token or csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_sign_in_sets_a_server_side_session_cookie(client: TestClient, store: Store) -> None:
    add_user(store, "ana@example.com")
    response = _login(client, "Ana@Example.com ", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/dispatch"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "scc_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http base URL
    session_id = client.cookies.get("scc_session")
    assert session_id and len(session_id) >= 22  # >= 128 bits, url-safe base64
    stored = store.sessions.get(_session_key(session_id))
    assert stored is not None and stored["email"] == "ana@example.com"
    assert store.sessions.get(session_id) is None  # the raw id is not the key
    assert client.get("/dispatch").status_code == 200


def test_https_base_url_gives_a_secure_host_cookie(store_with: Callable[..., Store]) -> None:
    store = store_with(SCC_BASE_URL="https://crew.example.com")
    settings = store.settings
    add_user(store, "ana@example.com")
    with TestClient(create_app(settings, store), base_url="https://crew.example.com") as client:
        response = _login(client, "ana@example.com", PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if "scc_session=" in c)
    assert cookie.startswith("__Host-scc_session=") and "Secure" in cookie


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.com", "wrong password!!"), ("nobody@example.com", PASSWORD), ("", "")],
)
def test_wrong_credentials_get_401_without_saying_which(
    client: TestClient, store: Store, email: str, password: str
) -> None:
    add_user(store, "ana@example.com")
    response = _login(client, email, password)
    assert response.status_code == 401
    assert "do not match an active account" in response.text
    assert "scc_session" not in client.cookies


def test_disabled_user_cannot_sign_in(client: TestClient, store: Store) -> None:
    add_user(store, "ana@example.com")
    store.users.set_disabled("ana@example.com", True)
    response = _login(client, "ana@example.com", PASSWORD)
    assert response.status_code == 401


def test_disabling_a_user_from_another_process_ends_their_sessions_within_the_window(
    client: TestClient, store: Store, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.__main__ import main

    sign_in(client, store)
    assert client.get("/dispatch").status_code == 200
    email = str(store.sessions.table.scan()["Items"][0]["email"])
    assert main(["users", "disable", email]) == 0  # `scc`: its own process and store
    assert "ended 1 session(s)" in capsys.readouterr().out
    # The app may reuse the session it read for CACHE_SECONDS (docs/decisions.md,
    # "Payment speed"); once that has passed, the next request is refused.
    _past_the_cache_window(store)
    response = client.get("/dispatch", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert found(store.users.get(email))["disabled"] is True


def test_logout_ends_the_session_server_side(client: TestClient, store: Store) -> None:
    token = sign_in(client, store)
    session_id = found(client.cookies.get("scc_session"))
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert store.sessions.get(_session_key(session_id)) is None
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("scc_session", session_id)
    assert client.get("/dispatch", follow_redirects=False).status_code == 303


def _past_the_cache_window(store: Store) -> None:
    started = time.monotonic()
    store.sessions.clock = lambda: started + CACHE_SECONDS + 0.01


def test_expired_sessions_are_refused_and_deleted(client: TestClient, store: Store) -> None:
    sign_in(client, store)
    key = _session_key(found(client.cookies.get("scc_session")))
    idle = int(time.time()) - 15 * 86400
    store.sessions.table.update_item(
        Key={"session_key": key},
        UpdateExpression="SET last_seen_at = :t",
        ExpressionAttributeValues={":t": idle},
    )
    _past_the_cache_window(store)  # days have passed: this process's copy is stale
    assert client.get("/dispatch", follow_redirects=False).status_code == 303
    assert store.sessions.get(key) is None


def test_absolute_expiry_holds_even_for_active_sessions(client: TestClient, store: Store) -> None:
    sign_in(client, store)
    key = _session_key(found(client.cookies.get("scc_session")))
    store.sessions.table.update_item(
        Key={"session_key": key},
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": int(time.time()) - 31 * 86400},
    )
    _past_the_cache_window(store)  # days have passed: this process's copy is stale
    assert client.get("/dispatch", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_posts_without_a_valid_csrf_token_are_refused(
    client: TestClient, store: Store, token: str | None
) -> None:
    add_user(store, "ana@example.com")
    client.get("/login")
    data = {"email": "ana@example.com", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "scc_session" not in client.cookies


def test_csrf_header_is_accepted_for_htmx(client: TestClient, store: Store) -> None:
    add_user(store, "ana@example.com")
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_csrf_token_from_another_visitor_is_refused(store: Store) -> None:
    add_user(store, "ana@example.com")
    app = create_app(store.settings, store)
    with TestClient(app) as attacker, TestClient(app) as victim:
        stolen = csrf_from(attacker.get("/login").text)
        victim.get("/login")
        response = _login(victim, "ana@example.com", PASSWORD, token=stolen)
    assert response.status_code == 403


def test_every_post_route_checks_csrf(client: TestClient, store: Store) -> None:
    from starlette.routing import Route

    from server.web.csrf import EXEMPT

    sign_in(client, store, role="captain")
    app = client.app
    routes = [r for r in app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
    # The explicit exemptions (Stripe's signed webhook) have a test of their own.
    posts = [r for r in routes if "POST" in (r.methods or set()) and r.name not in EXEMPT]
    assert len(posts) >= 4
    for route in posts:
        path = route.path.replace("{event_id}", "2030-01-01-ann").replace(
            "{payment_id}", "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11"
        )
        response = client.post(path, data={"amount": "1"}, follow_redirects=False)
        assert response.status_code in (403, 404), f"{route.path} answered {response.status_code}"
        if response.status_code == 404:
            # 404 only where the id is checked before the form is read; never stored.
            assert "{event_id}" in route.path


def test_anonymous_visitors_are_sent_to_login(client: TestClient) -> None:
    response = client.get("/dispatch/events/2030-01-01-ann", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dispatch/events/2030-01-01-ann"


def test_anonymous_htmx_requests_get_hx_redirect(client: TestClient) -> None:
    response = client.get("/dispatch", headers=HX, follow_redirects=False)
    assert response.headers["HX-Redirect"].startswith("/login")
    assert "<html" not in response.text


def test_anonymous_json_requests_get_401(client: TestClient) -> None:
    response = client.get("/api/events/2030-01-01-ann", headers=JSON)
    assert response.status_code == 401
    assert response.json()["error"]


def test_login_next_only_goes_to_this_site(client: TestClient, store: Store) -> None:
    add_user(store, "ana@example.com")
    token = csrf_from(client.get("/login?next=//evil.example").text)
    response = client.post(
        "/login",
        data={
            "email": "ana@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/dispatch"


def test_crew_cannot_void_payments(client: TestClient, store: Store) -> None:
    token = sign_in(client, store, role="crew")
    response = client.post(
        "/api/events/2030-01-01-ann/payments/6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11/void",
        data={"csrf_token": token, "reason": "x"},
    )
    assert response.status_code == 403
    assert "Not allowed" in response.text


def test_a_session_read_is_reused_only_within_the_window_and_ending_it_here_is_at_once(
    store: Store,
) -> None:
    now = [1000.0]
    store.sessions.clock = lambda: now[0]
    user = {"email": "ana@example.com", "name": "Ana", "role": "crew"}
    for key in ("a", "b"):
        store.sessions.create(key, user, int(time.time()), int(time.time()) + 3600)
        assert store.sessions.get(key) is not None
    # Ended elsewhere (another worker): this process keeps its copy for the window only.
    store.sessions.table.delete_item(Key={"session_key": "a"})
    now[0] += CACHE_SECONDS - 0.5
    assert store.sessions.get("a") is not None
    now[0] += 1
    assert store.sessions.get("a") is None
    # Ended through this process (sign out, sign out everywhere, disable): at once.
    store.sessions.delete_for_user("ana@example.com")
    assert store.sessions.get("b") is None
