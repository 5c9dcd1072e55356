"""Pages, fragments and the one error path."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from server.store import Store
from tests.conftest import HX, JSON, add_event, sign_in


def test_healthz_answers_ok_when_the_tables_are_reachable(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_dashboard_shows_a_card_per_upcoming_event(client: TestClient, store: Store) -> None:
    add_event(store, first_name="Alice", party_size=6, total_price="1200.00")
    add_event(
        store,
        days_ahead=1,
        first_name="Zoë",
        period="",
        party_size=4,
        total_price="650",
        start_time="10:00",
    )
    add_event(store, days_ahead=-2, first_name="Gone")
    sign_in(client, store)
    response = client.get("/dispatch")
    assert response.status_code == 200
    html = response.text
    assert html.count('<article class="card') == 2
    assert html.index("Alice") < html.index("Zoë")  # today's first
    assert "Gone" not in html
    assert "Today · " in html and "Tomorrow · " in html
    assert "$1,200.00" in html and "$650.00" in html
    assert "Balance due" in html and "0 of 6" in html
    # The start time in the one format every time is shown in (issue 24 item 15).
    assert "· 9:30 am<" in html and "09:30" not in html
    assert "HX-Request" in response.headers["vary"]


def test_card_link_opens_the_detail_as_a_fragment_for_htmx(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, first_name="Alice")
    sign_in(client, store)
    url = f"/dispatch/events/{event['event_id']}"
    page = client.get(url)
    fragment = client.get(url, headers=HX)
    assert page.status_code == fragment.status_code == 200
    assert page.text.startswith("<!doctype html>")
    assert "<html" not in fragment.text and "Payment history" in fragment.text
    assert "Payment history" in page.text
    assert "HX-Request" in page.headers["vary"] and "HX-Request" in fragment.headers["vary"]
    # History restore needs the whole page even though htmx asks.
    restore = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_event_json_has_money_as_two_decimal_strings(client: TestClient, store: Store) -> None:
    event = add_event(store, first_name="Alice", total_price="1200")
    sign_in(client, store)
    body = client.get(f"/api/events/{event['event_id']}", headers=JSON).json()
    assert body["event_id"] == event["event_id"]
    assert body["total_price"] == "1200.00"
    assert body["paid"] == "0.00" and body["balance_due"] == "1200.00"
    assert body["payments"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/g/2026-05-23/waiver",
        "/api/g/2026-05-23/waiver",
        "/dispatch/events/2030-01-01-nobody",
        "/dispatch/events/2026-05-23",
        "/dispatch/events/2026-02-30-alice",
        "/dispatch/events/..%2F..%2Fetc",
        "/dispatch/events/" + "a" * 300,
        "/dispatch/events/2030-01-01-nobody/payment",
        "/api/events/2030-01-01-nobody",
    ],
)
def test_unknown_or_malformed_things_get_a_real_404_page(
    client: TestClient, store: Store, path: str
) -> None:
    sign_in(client, store)
    page = client.get(path)
    assert page.status_code == 404
    assert "<html" in page.text and "Not found" in page.text
    fragment = client.get(path, headers=HX)
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert "Not found" in fragment.text
    as_json = client.get(path, headers=JSON)
    assert as_json.status_code == 404 and set(as_json.json()) == {"error", "fields"}


def test_fragments_never_carry_the_page_shell(client: TestClient, store: Store) -> None:
    event = add_event(store)
    sign_in(client, store)
    for path in (
        f"/dispatch/events/{event['event_id']}",
        f"/dispatch/events/{event['event_id']}/payment",
    ):
        response = client.get(path, headers=HX)
        assert response.status_code == 200
        assert "<html" not in response.text and "<body" not in response.text


def test_unreachable_database_answers_503_quickly(dynalite_endpoint: str) -> None:
    import time

    from server.app import create_app
    from server.dev.local import free_port
    from tests.conftest import make_settings

    settings = make_settings(f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        health = client.get("/healthz")
        login = client.get("/login")
        token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"email": "a@example.com", "password": "x" * 12, "csrf_token": token}
        )
        elapsed = time.monotonic() - started
    assert health.status_code == 503
    assert response.status_code == 503
    assert "Nothing was saved" in response.text
    assert elapsed < 10
