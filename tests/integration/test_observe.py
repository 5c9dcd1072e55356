"""What the operator sees: one JSON log line per request (route names, never the data),
`Server-Timing` on every response, DynamoDB calls counted, an error's traceback logged
once with the request id, and the notifier's failed-notice metric in EMF."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import lambda_handler, observe
from server.app import create_app
from server.notify.failures import MAX_ATTEMPTS
from server.notify.outbox import Notifier
from server.store import Store
from server.web.auth import _session_key
from tests.conftest import HX, add_event, sign_in
from tests.helpers.aws import URL_HOST, url_event
from tests.helpers.flows import append_payment


class Lines:
    """The request log's records."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def requests(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == "scc.request"]

    def last(self) -> dict[str, Any]:
        record = self.requests()[-1]
        line: dict[str, Any] = json.loads(observe.JsonFormatter().format(record))
        return line


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Lines:
    caplog.set_level(logging.INFO)
    return Lines(caplog)


@pytest.fixture
def app_client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.settings, store), raise_server_exceptions=False) as client:
        yield client


def timing(header: str) -> dict[str, float]:
    parts = dict(p.strip().split(";dur=") for p in header.split(","))
    return {k: float(v) for k, v in parts.items()}


def test_a_payment_logs_one_line_with_its_route_and_no_personal_data(
    app_client: TestClient, store: Store, lines: Lines
) -> None:
    event = add_event(store, first_name="Zebulon")
    token = sign_in(app_client, store)
    # Count the session's read as well (not the per-process copy the sign-in left).
    store.sessions.forget(_session_key(app_client.cookies["scc_session"]))
    before = len(lines.requests())
    note = "paid by Mrs Quimby"
    response = app_client.post(
        f"/api/events/{event['event_id']}/payment",
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "987.65",
            "method": "cash",
            "note": note,
            "csrf_token": token,
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert len(lines.requests()) == before + 1  # one line per request
    line = lines.last()
    assert line["route"] == "log_payment" and line["method"] == "POST"
    assert line["status"] == 200
    assert line["db_calls"] == 2  # the session, the UpdateItem: not the email after it
    assert line["db_ms"] > 0 and line["duration_ms"] >= line["db_ms"]
    assert len(line["request_id"]) >= 16
    text = json.dumps(line)
    for secret in ("zebulon", "Zebulon", event["event_id"], "987", "Quimby", "@example.com"):
        assert secret not in text, secret
    spent = timing(response.headers["server-timing"])
    assert set(spent) == {"db", "render", "total"}
    assert spent["db"] > 0 and spent["render"] > 0 and spent["total"] >= spent["db"]


def test_every_response_has_server_timing(app_client: TestClient, lines: Lines) -> None:
    for path, status, route in (
        ("/login", 200, "login"),
        ("/dispatch", 303, "dispatch"),
        ("/g/2026-05-23-nobody", 404, "trip"),
        ("/no-such-page", 404, "unmatched"),
    ):
        response = app_client.get(path, follow_redirects=False)
        assert response.status_code == status, path
        assert "total;dur=" in response.headers["server-timing"], path
        line = lines.last()
        assert line["status"] == status and path not in json.dumps(line)
        if route != "trip":
            assert line["route"] == route
    asset = "/static/" + app_client.get("/login").text.split('href="/static/')[1].split('"')[0]
    static = app_client.get(asset)
    assert static.status_code == 200 and "total;dur=" in static.headers["server-timing"]
    assert lines.last()["route"] == "static"


def test_an_error_logs_its_traceback_once_with_the_request_id(
    app_client: TestClient, store: Store, lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(app_client, store)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store.events, "board", broken)
    response = app_client.get("/dispatch")
    assert response.status_code == 500
    assert "server-timing" in response.headers
    tracebacks = [r for r in lines.caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    line = lines.last()
    assert line["status"] == 500 and line["route"] == "dispatch"
    assert getattr(tracebacks[0], "request_id") == line["request_id"]  # noqa: B009
    formatted = json.loads(observe.JsonFormatter().format(tracebacks[0]))
    assert "RuntimeError: a bug" in formatted["stackTrace"]


def test_on_lambda_the_line_carries_lambdas_request_id(store: Store, lines: Lines) -> None:
    class Context:
        aws_request_id = "8f5d2c1e-0000-4000-8000-123456789abc"

        def get_remaining_time_in_millis(self) -> int:
            return 20_000

    # The Function URL's host, as Lambda sees it (without the origin secret, no wildcard).
    settings = dataclasses.replace(store.settings, allowed_hosts=(URL_HOST,))
    started = lambda_handler.start(settings, Store.connect(settings))
    try:
        response = started(url_event("GET", "/login", origin_secret=None), Context())
        assert response["statusCode"] == 200
        assert "total;dur=" in response["headers"]["server-timing"]
        assert lines.last()["request_id"] == Context.aws_request_id
    finally:
        started.close()


def test_a_notice_given_up_emits_the_failed_metric(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:

    from server.notify.mailer import MailError

    class Down:
        name = "gmail"

        def send(self, message: Any) -> str:
            raise MailError("Gmail answered HTTP 500")

    event = add_event(store)
    append_payment(store, event["event_id"], str(uuid.uuid4()), "5.00")
    now = [1_000_000.0]
    notifier = Notifier(store, Down(), clock=lambda: now[0])
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes += list(notifier.send_due().elements())
        now[0] += 3600
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    emf = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    (metric,) = emf
    (directive,) = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ShipCaptainCrew"
    assert directive["Metrics"] == [{"Name": "NoticesFailed", "Unit": "Count"}]
    assert directive["Dimensions"] == [["TablePrefix"]]
    assert metric["NoticesFailed"] == 1 and metric["TablePrefix"] == store.settings.table_prefix
