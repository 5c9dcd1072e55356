"""Security headers, sign-in throttling, password rules, sign-out everywhere, audit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.rate_limits import BUCKET_SECONDS, SIGN_IN_ACCOUNT_AND_IP, SIGN_IN_IP
from server.domain.users import validate_password
from server.store import Store
from server.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import HX, JSON, PASSWORD, add_event, add_user, csrf_from, sign_in

ACCOUNT_LIMIT = SIGN_IN_ACCOUNT_AND_IP.most
IP_LIMIT = SIGN_IN_IP.most


def _assert_security_headers(response, https: bool = False) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert directive in headers["content-security-policy"]
    assert (
        "unsafe-inline" not in CONTENT_SECURITY_POLICY
        and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert ("strict-transport-security" in headers) is https


def test_headers_on_pages_fragments_errors_json_and_static(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    sign_in(client, store)
    static = re.search(r'href="(/static/app\.[0-9a-f]+\.css)"', client.get("/login").text)
    assert static
    for response in (
        client.get("/login"),
        client.get("/dispatch"),
        client.get(f"/dispatch/events/{event['event_id']}", headers=HX),
        client.get("/no-such-page"),
        client.get("/no-such-page", headers=HX),
        client.get(f"/api/events/{event['event_id']}", headers=JSON),
        client.get(static.group(1)),
        client.get("/healthz"),
        client.post("/logout"),  # 403: no CSRF token
    ):
        _assert_security_headers(response)


def test_hsts_over_https(store_with: Callable[..., Store]) -> None:
    store = store_with(SCC_BASE_URL="https://crew.example.com")
    with TestClient(
        create_app(store.settings, store), base_url="https://crew.example.com"
    ) as client:
        _assert_security_headers(client.get("/login"), https=True)


def test_htmx_is_configured_without_eval_or_injected_styles(client: TestClient) -> None:
    page = client.get("/login").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config
    import json

    settings = json.loads(config.group(1))
    assert settings["selfRequestsOnly"] is True
    assert settings["allowEval"] is False and settings["allowScriptTags"] is False
    assert settings["includeIndicatorStyles"] is False and settings["historyCacheSize"] == 0
    # htmx's settle step would copy a style attribute (refused by the CSP) on every swap.
    assert "style" not in settings["attributesToSettle"] and settings["attributesToSettle"]
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


def _try(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_an_account_is_locked_after_repeated_failures_across_app_instances(store: Store) -> None:
    add_user(store, "ana@example.com")
    # Two app instances, each with its own DynamoDB client: the counter is shared.
    first = TestClient(create_app(store.settings, Store.connect(store.settings)))
    second = TestClient(create_app(store.settings, Store.connect(store.settings)))
    with first, second:
        for attempt in range(ACCOUNT_LIMIT):
            app = first if attempt % 2 else second
            answer = _try(app, "ana@example.com", "wrong password number")
            assert answer.status_code == (429 if attempt == ACCOUNT_LIMIT - 1 else 401)
        locked = _try(first, "ana@example.com", PASSWORD)  # even the right password
        assert locked.status_code == 429
        assert "try again after" in locked.text and int(locked.headers["retry-after"]) > 0
        assert "scc_session" not in first.cookies
        # Unknown emails are limited the same way, so a lock reveals nothing.
        for _ in range(ACCOUNT_LIMIT):
            unknown = _try(second, "nobody@example.com", "wrong password number")
        assert unknown.status_code == 429
        # Another account from the same address still signs in.
        add_user(store, "ben@example.com")
        assert _try(second, "ben@example.com", PASSWORD).status_code == 303


def test_the_lock_releases_when_its_window_ends(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "ana@example.com")
    now = [1_900_000_000.0]
    monkeypatch.setattr("server.web.auth.time.time", lambda: now[0])
    with TestClient(create_app(store.settings, store)) as client:
        for _ in range(ACCOUNT_LIMIT):
            _try(client, "ana@example.com", "wrong password number")
        locked = _try(client, "ana@example.com", PASSWORD)
        assert locked.status_code == 429
        # A try counts for the window and at most the minute it fell in (sliding window
        # counted per minute); the lock ends when Retry-After says.
        wait = int(locked.headers["retry-after"])
        window = SIGN_IN_ACCOUNT_AND_IP.window_seconds
        assert window <= wait <= window + BUCKET_SECONDS
        now[0] += wait - 1
        assert _try(client, "ana@example.com", PASSWORD).status_code == 429
        now[0] += 1
        assert _try(client, "ana@example.com", PASSWORD).status_code == 303


def test_one_address_guessing_many_accounts_is_limited(store: Store) -> None:
    add_user(store, "ana@example.com")
    with TestClient(create_app(store.settings, store)) as client:
        for i in range(IP_LIMIT):
            _try(client, f"guess{i}@example.com", "wrong password number")
        assert _try(client, "ana@example.com", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short pass", False),
        ("password1234", False),
        ("Password1234", False),
        ("qwerty123456", False),
        ("111111111111", False),
        ("abababababab", False),
        ("correct horse battery staple", True),
        ("tide pools at dawn", True),
        ("x" * 1025, False),
    ],
)
def test_password_rules(password: str, ok: bool) -> None:
    assert (validate_password(password) is None) is ok


def test_common_passwords_are_refused_when_adding_crew(client: TestClient, store: Store) -> None:
    token = sign_in(client, store, role="captain")
    response = client.post(
        "/admin/crew",
        data={
            "csrf_token": token,
            "email": "new@example.com",
            "name": "New",
            "role": "crew",
            "password": "Password1234",
        },
    )
    assert response.status_code == 422 and "too common" in response.text
    assert store.users.get("new@example.com") is None


def test_sign_in_gives_a_new_session_id(client: TestClient, store: Store) -> None:
    from server.web.auth import _session_key

    add_user(store, "ana@example.com")
    client.cookies.set("scc_session", "attacker-chosen-session-id")
    response = _try(client, "ana@example.com", PASSWORD)
    issued = re.search(r"scc_session=([^;]+);", response.headers["set-cookie"])
    assert issued and issued.group(1) != "attacker-chosen-session-id"
    assert store.sessions.get(_session_key(issued.group(1))) is not None
    assert store.sessions.get(_session_key("attacker-chosen-session-id")) is None


def test_sign_out_everywhere_ends_every_session_of_that_user(store: Store) -> None:
    add_user(store, "ana@example.com")
    add_user(store, "ben@example.com")
    app = create_app(store.settings, store)
    with TestClient(app) as phone, TestClient(app) as laptop, TestClient(app) as other:
        for client, email in (
            (phone, "ana@example.com"),
            (laptop, "ana@example.com"),
            (other, "ben@example.com"),
        ):
            assert _try(client, email, PASSWORD).status_code == 303
        token = csrf_from(phone.get("/dispatch").text)
        response = phone.post(
            "/logout/everywhere", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        assert phone.get("/dispatch", follow_redirects=False).status_code == 303
        assert laptop.get("/dispatch", follow_redirects=False).status_code == 303
        assert other.get("/dispatch").status_code == 200


def test_audit_log_records_waiver_views_and_account_changes(
    client: TestClient, store: Store
) -> None:
    from tests.helpers.flows import sign as sign_waiver

    event = add_event(store)
    sign_waiver(client, event["event_id"])
    waiver_id = store.waivers.for_event(event["event_id"])[0]["waiver_id"]
    token = sign_in(client, store, role="captain")
    client.get(f"/admin/events/{event['event_id']}/waivers/{waiver_id}")
    client.post(
        "/admin/crew",
        data={
            "csrf_token": token,
            "email": "deck@example.com",
            "name": "Deck Hand",
            "role": "crew",
            "password": "tide pools at dawn",
        },
    )
    client.post("/admin/crew/disable", data={"csrf_token": token, "email": "deck@example.com"})
    client.post(
        f"/admin/events/{event['event_id']}/status",
        data={"csrf_token": token, "status": "cancelled"},
    )
    entries = []
    for item in store.audit.table.scan()["Items"]:
        entries.append((item["action"], item["target"]))
        assert str(item["user"]).startswith("captain-") and str(item["at"]).endswith("Z")
    assert sorted(entries) == sorted(
        [
            ("waiver.opened", f"{event['event_id']}/{waiver_id}"),
            ("account.added", "deck@example.com"),
            ("account.disabled", "deck@example.com"),
            ("event.cancelled", event["event_id"]),
        ]
    )
    page = client.get("/admin/audit")  # the operator's today, read as sentences
    assert "opened a signed waiver of trip" in page.text and "deck@example.com" in page.text


def test_the_limit_holds_across_two_app_processes(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two real uvicorn processes sharing one dynalite: failures on either count."""
    import os
    import subprocess
    import sys

    import httpx2

    from server import ROOT
    from server.dev.local import free_port, wait_for_port

    add_user(store, "ana@example.com")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}
    env.update(
        SCC_SECRET_KEY=str(store.settings.secret_key),
        SCC_DYNAMODB_ENDPOINT=store.settings.dynamodb_endpoint or "",
        SCC_TABLE_PREFIX=store.settings.table_prefix,
    )
    ports = [free_port(), free_port()]
    procs = []
    try:
        for port in ports:
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "server.app:app",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port, proc in zip(ports, procs, strict=True):
            wait_for_port(port, proc=proc)
        statuses = []
        for attempt in range(ACCOUNT_LIMIT + 1):
            with httpx2.Client(base_url=f"http://127.0.0.1:{ports[attempt % 2]}") as browser:
                token = csrf_from(browser.get("/login").text)
                password = PASSWORD if attempt == ACCOUNT_LIMIT else "wrong password number"
                statuses.append(
                    browser.post(
                        "/login",
                        data={
                            "email": "ana@example.com",
                            "password": password,
                            "csrf_token": token,
                        },
                    ).status_code
                )
        assert statuses == [401] * (ACCOUNT_LIMIT - 1) + [429, 429]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
