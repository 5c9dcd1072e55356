"""server.lambda_handler driven with Lambda Function URL events (payload format 2.0), as
CloudFront forwards them, against the real app and a real (dynalite) store."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import gzip
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from mangum.handlers import HTTPGateway
from starlette.applications import Starlette
from starlette.datastructures import Secret
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server import lambda_handler
from server.lambda_handler import LambdaApp
from server.store import Store
from server.web.client_address import client_ip
from tests.conftest import PASSWORD, SECRET, add_event, add_user
from tests.helpers.aws import (
    EDGE_IP,
    ORIGIN_SECRET,
    VIEWER_IP,
    Browser,
    body_of,
    set_cookies,
    url_event,
)
from tests.helpers.flows import append_payment
from tests.helpers.typed import found


@pytest.fixture
def deployed(store: Store) -> Iterator[LambdaApp]:
    """The app as it runs on Lambda: https, the origin secret on."""
    settings = dataclasses.replace(
        store.settings, base_url="https://scc.example", origin_secret=Secret(ORIGIN_SECRET)
    )
    started = lambda_handler.start(settings, Store.connect(settings))
    try:
        yield started
    finally:
        started.close()


def test_get_page(deployed: LambdaApp) -> None:
    response = deployed(url_event("GET", "/login"), None)
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("text/html")
    html = body_of(response)
    assert 'name="csrf_token"' in html and "<html" in html
    assert re.search(r'href="/static/app\.[0-9a-f]{12}\.css"', html)
    (csrf_cookie,) = response["cookies"]
    assert csrf_cookie.startswith("__Host-scc_csrf=") and "Secure" in csrf_cookie
    assert "HttpOnly" in csrf_cookie and "samesite=lax" in csrf_cookie.lower()


def test_compressed_pages_travel_base64_encoded(deployed: LambdaApp) -> None:
    response = deployed(url_event("GET", "/login", headers={"Accept-Encoding": "gzip, br"}), None)
    assert response["statusCode"] == 200
    assert response["headers"]["content-encoding"] == "gzip"
    assert response["isBase64Encoded"] is True  # binary: Lambda must not mangle it
    html = gzip.decompress(base64.b64decode(response["body"])).decode()
    assert 'name="csrf_token"' in html


def test_sign_in_sets_cookies_and_redirects(deployed: LambdaApp, store: Store) -> None:
    browser = Browser(deployed)
    email = add_user(store, "pat@example.com")
    token = browser.csrf()
    response = browser(
        "POST", "/login", form={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response["statusCode"] == 303
    assert response["headers"]["location"] == "/dispatch"
    session = [c for c in response["cookies"] if c.startswith("__Host-scc_session=")]
    assert len(session) == 1 and "Secure" in session[0] and "Path=/" in session[0]
    assert "set-cookie" not in response["headers"]  # all of them in `cookies`
    dashboard = browser("GET", "/dispatch")
    assert dashboard["statusCode"] == 200
    assert "Log Payment" in body_of(dashboard) or "dispatch" in body_of(dashboard).lower()

    out = browser("POST", "/logout", form={"csrf_token": browser.csrf("/dispatch")})
    assert out["statusCode"] == 303
    assert "__Host-scc_session" in set_cookies(out)
    assert browser("GET", "/dispatch")["statusCode"] == 303  # signed out: to /login


def test_several_cookies_binary_bodies_and_a_single_lifespan() -> None:
    """What the adapter must carry that today's pages do not all exercise: several
    `Set-Cookie`s in one response, a binary body, the lifespan run once for many
    requests."""
    started_count = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started_count.append(1)
        yield

    async def cookies(request: Request) -> Response:
        response = PlainTextResponse("two cookies")
        response.set_cookie("a", "1", secure=True, httponly=True)
        response.set_cookie("b", "2", path="/g")
        return response

    async def image(request: Request) -> Response:
        return Response(bytes(range(256)), media_type="image/png")

    app = Starlette(
        routes=[Route("/cookies", cookies), Route("/image.png", image)], lifespan=lifespan
    )
    started = LambdaApp(app)
    try:
        response = started(url_event("GET", "/cookies"), None)
        assert set_cookies(response) == {"a": "1", "b": "2"}
        assert any("Path=/g" in c for c in response["cookies"])
        png = started(url_event("GET", "/image.png"), None)
        assert png["isBase64Encoded"] is True
        assert base64.b64decode(png["body"]) == bytes(range(256))
        assert started_count == [1]
    finally:
        started.close()


def test_wrong_password_is_a_401_page(deployed: LambdaApp, store: Store) -> None:
    browser = Browser(deployed)
    email = add_user(store, "pat@example.com")
    form = {"email": email, "password": "not the password!", "csrf_token": browser.csrf()}
    response = browser("POST", "/login", form=form)
    assert response["statusCode"] == 401
    assert "__Host-scc_session" not in set_cookies(response)


def test_form_post_with_csrf_logs_a_payment(deployed: LambdaApp, store: Store) -> None:
    browser = Browser(deployed)
    token = browser.sign_in(store)
    event = add_event(store)
    form = {
        "payment_id": str(uuid.uuid4()),
        "amount": "250.00",
        "method": "cash",
        "note": "deposit — paid at the dock",
        "csrf_token": token,
    }
    path = f"/api/events/{event['event_id']}/payment"
    response = browser("POST", path, form=form)
    assert response["statusCode"] == 303, body_of(response)
    assert response["headers"]["location"].startswith("/dispatch")
    (payment,) = found(store.events.get(event["event_id"]))["payments"]
    assert payment["amount"] == Decimal("250.00") and payment["note"] == form["note"]

    # Without the CSRF token the same form is refused and nothing is recorded.
    forged = {**form, "payment_id": str(uuid.uuid4()), "csrf_token": "0" * 64}
    refused = browser("POST", path, form=forged)
    assert refused["statusCode"] == 403
    assert len(found(store.events.get(event["event_id"]))["payments"]) == 1


def test_htmx_get_returns_a_fragment(deployed: LambdaApp, store: Store) -> None:
    browser = Browser(deployed)
    browser.sign_in(store)
    event = add_event(store)
    path = f"/dispatch/events/{event['event_id']}/payment"
    response = browser("GET", path, headers={"HX-Request": "true"})
    assert response["statusCode"] == 200
    html = body_of(response)
    assert "<html" not in html and 'name="payment_id"' in html
    assert "HX-Request" in response["headers"]["vary"]
    page = browser("GET", path)
    assert "<html" in body_of(page)


def test_unknown_paths_are_the_apps_404_page(deployed: LambdaApp) -> None:
    for path in ("/no-such-page", "/g/2026-05-23-nobody/waiver", "/g/not-an-id/waiver"):
        response = deployed(url_event("GET", path), None)
        assert response["statusCode"] == 404, path
        assert response["headers"]["content-type"].startswith("text/html")
        assert "Ship Captain Crew" in body_of(response)


def test_query_strings_reach_the_app(deployed: LambdaApp, store: Store) -> None:
    browser = Browser(deployed)
    browser.sign_in(store, role="captain")
    response = browser(
        "GET",
        "/admin/events/id-preview",
        query="date=2026-05-23&first_name=Alice&period=whale",
        headers={"HX-Request": "true"},
    )
    assert response["statusCode"] == 200
    assert "2026-05-23-alice-whale" in body_of(response)


def test_requests_without_the_origin_secret_are_refused(deployed: LambdaApp) -> None:
    for secret in (None, "", "wrong-secret-0123456789-abcdefghijklmnop", ORIGIN_SECRET[:-1]):
        for method, path in (("GET", "/healthz"), ("GET", "/login"), ("POST", "/login")):
            form = {"email": "a@example.com", "password": "x"} if method == "POST" else None
            response = deployed(url_event(method, path, form=form, origin_secret=secret), None)
            assert response["statusCode"] == 403, (secret, path)
            assert "Forbidden" in body_of(response)
            assert "cookies" not in response
    ok = deployed(url_event("GET", "/healthz"), None)
    assert (ok["statusCode"], body_of(ok)) == (200, "ok")


def test_the_client_ip_is_cloudfronts_viewer_address(deployed: LambdaApp) -> None:
    def ip(event: dict[str, Any]) -> str:
        scope = HTTPGateway(event, None, deployed.adapter.config).scope  # type: ignore[arg-type]
        scope["app"] = deployed.adapter.app
        return client_ip(Request(scope))

    assert ip(url_event("GET", "/g/x")) == VIEWER_IP
    ipv6 = url_event("GET", "/g/x", headers={"CloudFront-Viewer-Address": "[2001:db8::1]:443"})
    assert ip(ipv6) == "2001:db8::1"
    # Without the secret the header proves nothing: the socket peer (CloudFront) it is.
    assert ip(url_event("GET", "/g/x", origin_secret="forged")) == EDGE_IP


def test_the_module_handler_starts_the_app_once_from_the_environment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "SCC_SECRET_KEY": SECRET,
        "SCC_DYNAMODB_ENDPOINT": store.settings.dynamodb_endpoint or "",
        "SCC_TABLE_PREFIX": store.settings.table_prefix,
        "SCC_BASE_URL": "https://scc.example",
        "SCC_ORIGIN_SECRET": ORIGIN_SECRET,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(lambda_handler, "_started", None)
    try:
        first = lambda_handler.handler(url_event("GET", "/healthz"), None)
        started = lambda_handler._started
        assert started is not None
        app_store = started.adapter.app.state.store  # type: ignore[attr-defined]
        assert app_store.settings.table_prefix == store.settings.table_prefix
        second = lambda_handler.handler(url_event("GET", "/healthz"), None)
        assert lambda_handler._started is started
        assert started.adapter.app.state.store is app_store  # type: ignore[attr-defined]
        assert first["statusCode"] == second["statusCode"] == 200
        assert (
            lambda_handler.handler(url_event("GET", "/healthz", origin_secret=None), None)[
                "statusCode"
            ]
            == 403
        )
    finally:
        if lambda_handler._started is not None:
            lambda_handler._started.close()


def test_the_schedule_event_sends_the_owed_emails(deployed: LambdaApp, store: Store) -> None:

    from server.notify.outbox import payment_notice
    from tests.conftest import add_event

    event = add_event(store)
    payment_id = str(uuid.uuid4())
    append_payment(store, event["event_id"], payment_id, "5.00")
    # What infra/template.yaml's OutboxSchedule sends every 5 minutes. No Gmail settings
    # here, so the email is queued and waits, visible to the captain.
    answer = deployed({"scc_task": "outbox-send"}, None)
    assert answer == {"outbox": {"unconfigured": 1}}
    notice = store.outbox.get(payment_notice(payment_id))
    assert notice is not None and notice["state"] == "pending"
    assert "outbox" not in (store.events.get(event["event_id"]) or {})


def test_on_lambda_the_app_starts_during_init_and_a_restore_renews_its_identity(
    store: Store,
) -> None:
    """Imported as Lambda's init imports it (SnapStart snapshotting): the app is started
    and warm before any request; the after-restore hook renews what must be unique."""
    import os
    import subprocess
    import sys

    code = "\n".join(
        [
            "import random",
            "import server.lambda_handler as h",
            "started = h._started",
            "assert started is not None",
            "assert len(started.app.state.templates.cache) >= 10  # compiled before the snapshot",
            "owner, state = started.notifier.owner, random.getstate()",
            "refreshed = []",
            "started.app.state.store.refresh_credentials = lambda: refreshed.append(1)",
            "h.after_restore()",
            "assert started.notifier.owner != owner",
            "assert random.getstate() != state",
            "assert refreshed == [1]",
            "print('restored')",
        ]
    )
    env = {
        **os.environ,
        "AWS_LAMBDA_FUNCTION_NAME": "scc-test-app",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
        "SCC_SECRET_KEY": SECRET,
        "SCC_DYNAMODB_ENDPOINT": store.settings.dynamodb_endpoint or "",
        "SCC_TABLE_PREFIX": store.settings.table_prefix,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "restored" in result.stdout, result.stderr


def test_refreshed_credentials_replace_the_ones_resolved_at_init(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server.settings import Settings

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAINITINITINIT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "init-secret")
    store = Store.connect(Settings.from_env({"SCC_SECRET_KEY": SECRET}))  # real AWS: no call
    signer = store.resource.meta.client._request_signer  # type: ignore[attr-defined]
    assert signer._credentials.access_key == "AKIAINITINITINIT"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIARESTORERESTORE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "restored-secret")
    store.refresh_credentials()
    assert signer._credentials.access_key == "AKIARESTORERESTORE"


def test_every_sweep_emits_the_heartbeat_the_template_alarms_on(
    deployed: LambdaApp, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23 item 5: a sweep with nothing to send still beats; two sweeps, two beats."""
    import json

    capsys.readouterr()
    for _ in range(2):
        assert deployed({"scc_task": "outbox-send"}, None) == {"outbox": {}}
    beats = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert len(beats) == 2
    for beat in beats:
        (directive,) = beat["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "ShipCaptainCrew"  # the alarm's namespace
        assert directive["Metrics"] == [{"Name": lambda_handler.HEARTBEAT, "Unit": "Count"}]
        assert directive["Dimensions"] == [["TablePrefix"]]
        assert beat[lambda_handler.HEARTBEAT] == 1
        assert beat["TablePrefix"] == store.settings.table_prefix
