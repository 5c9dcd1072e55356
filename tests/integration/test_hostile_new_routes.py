"""Hostile input against the routes the first wave added (boats, crew assignment,
credentials, tips and payouts, Depart's new fields, the patron's Pay, Stripe's webhook,
the trip log, the calendar feed): each bad value is a 422 with its message next to the
field and nothing stored; unknown ids are the 404 page; the wrong role is 403 or the
sign-in redirect; a signed but malformed webhook is a 400 that records nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.boats import Boat
from server.domain.clock import today_in
from server.store import Store
from tests.conftest import JSON, add_event, add_user, csrf_from, sign_in
from tests.fake_stripe import FakeStripe, sign

CREW = "deck@example.com"
HUGE = "x" * 20_000
MONEY = ["-5", "-0.01", "1e400", "NaN", "Infinity", "9" * 40, "abc", "٤٠", "1.234"]


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    stand_in = FakeStripe().start()
    try:
        yield stand_in
    finally:
        stand_in.stop()


@pytest.fixture
def desk(store_with: Callable[..., Store], fake: FakeStripe) -> Iterator[dict[str, Any]]:
    """A captain signed in, a crew account, a boat, and a trip today crewed by it."""
    store = store_with(**fake.env())
    app = create_app(store.settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = sign_in(client, store, role="captain")
        add_user(store, CREW, "crew", "Dee Hand")
        boat = Boat("b" * 8, "Orca", "CF 1234", 6, 1, "", "Moss Landing")
        store.boats.add(boat)
        event = add_event(store, total_price="1200")
        store.events.table.update_item(
            Key={"event_id": event["event_id"]},
            UpdateExpression="SET crew_assigned = :c",
            ExpressionAttributeValues={":c": [{"email": CREW, "role": "master"}]},
        )
        yield {"client": client, "store": store, "token": token, "event": event, "app": app}


def snapshot(store: Store) -> Any:
    """Everything the forms below may write."""
    return (
        sorted(store.events.scan_all(), key=lambda i: str(i["event_id"])),
        sorted(store.users.all(), key=lambda a: str(a["email"])),
        sorted((b.boat_id, b) for b in store.boats.all()),
    )


def field_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, (
        response.status_code,
        response.headers,
        response.text[:600],
    )
    if response.headers["content-type"].startswith("application/json"):
        assert len(response.json()["fields"][field]) >= 10
    else:
        assert re.search(
            rf'class="field-error" id="{re.escape(field)}-error">[^<]{{10,}}<', response.text
        ), response.text[:3000]


def _payment(tip: str) -> dict[str, str]:
    return {"payment_id": str(uuid.uuid4()), "amount": "40", "tip": tip, "method": "cash"}


# (path under the trip or absolute, form, the field that must carry the message)
CASES: list[tuple[str, dict[str, Any], str]] = [
    *[
        ("/admin/boats", {"name": "Orca", "passengers": v, "min_crew": "1"}, "passengers")
        for v in ["-1", "0", "151", "1e400", "NaN", "9" * 40, "٤", "6.5"]
    ],
    ("/admin/boats", {"name": "", "passengers": "6", "min_crew": "1"}, "name"),
    ("/admin/boats", {"name": HUGE, "passengers": "6", "min_crew": "1"}, "name"),
    ("/admin/boats", {"name": "Orca", "passengers": "6", "min_crew": "-1"}, "min_crew"),
    (
        "/admin/boats",
        {"name": "Orca", "passengers": "6", "min_crew": "1", "home_port": HUGE},
        "home_port",
    ),
    ("/admin/boats/bbbbbbbb", {"name": "Orca", "passengers": "-6", "min_crew": "1"}, "passengers"),
    *[
        (
            "/admin/tips/payouts",
            {
                "email": CREW,
                "amount": v,
                "method": "cash",
                "paid_on": "2030-01-02",
                "payout_id": "{uuid}",
            },
            "amount",
        )
        for v in MONEY
    ],
    *[
        (
            "/admin/tips/payouts",
            {"email": CREW, "amount": "10", "method": "cash", "paid_on": v, "payout_id": "{uuid}"},
            "paid_on",
        )
        for v in ["2030-02-30", "9999-99-99", "not a date", "", "9999-12-31", "0001-01-01"]
    ],
    (
        "/admin/tips/payouts",
        {
            "email": "nobody@example.com",
            "amount": "10",
            "method": "cash",
            "paid_on": "2030-01-02",
            "payout_id": "{uuid}",
        },
        "email",
    ),
    (
        "/admin/tips/payouts",
        {
            "email": CREW,
            "amount": "10",
            "method": "bitcoin",
            "paid_on": "2030-01-02",
            "payout_id": "{uuid}",
        },
        "method",
    ),
    (
        "/admin/tips/payouts",
        {
            "email": CREW,
            "amount": "10",
            "method": "cash",
            "paid_on": "2030-01-02",
            "payout_id": "{uuid}",
            "note": HUGE,
        },
        "note",
    ),
    *[
        ("/admin/crew/credentials", {"email": CREW, "uscg_expires": v}, "uscg_expires")
        for v in ["2030-02-30", "9999-99-99", "tomorrow", "٢٠٣٠-٠١-٠١"]
    ],
    ("/admin/crew/credentials", {"email": CREW, "uscg_type": HUGE}, "uscg_type"),
    ("{trip}/crew", {"email": CREW, "role": "admiral"}, "role"),
    ("{trip}/crew", {"email": "nobody@example.com", "role": "deckhand"}, "email"),
    ("{trip}/crew/remove", {"email": "nobody@example.com"}, "email"),
    *[
        ("{trip}/tip-shares", {"email_0": CREW, "share_0": v}, "share_0")
        for v in ["-1", "0", "101", "NaN", "1e400", "x"]
    ],
    *[("/api/events/{id}/payment", _payment(v), "tip") for v in MONEY],
    *[("/dispatch/events/{id}/payment", _payment(v), "tip") for v in ["-5", "NaN", "9" * 40]],
    *[
        (
            "/dispatch/events/{id}/depart",
            {
                "departure_id": "{uuid}",
                "expected_back": v,
                "area": "Bay",
                "crew": CREW,
                "master": CREW,
                "orientation": "yes",
            },
            "expected_back",
        )
        for v in ["25:99", "", "noon", "9" * 40]
    ],
    (
        "/dispatch/events/{id}/depart",
        {
            "departure_id": "{uuid}",
            "expected_back": "23:50",
            "area": "",
            "crew": CREW,
            "master": CREW,
            "orientation": "yes",
        },
        "area",
    ),
]


@pytest.mark.parametrize(
    ("path", "form", "field", "headers"),
    [(*case, {}) for case in CASES] + [(*c, JSON) for c in CASES if c[0].startswith("/api/")],
)
def test_bad_values_are_refused_next_to_the_field_and_nothing_is_stored(
    desk: dict[str, Any], path: str, form: dict[str, Any], field: str, headers: dict[str, str]
) -> None:
    event_id = desk["event"]["event_id"]
    url = path.replace("{trip}", f"/admin/events/{event_id}").replace("{id}", event_id)
    sent = {k: v.replace("{uuid}", str(uuid.uuid4())) for k, v in form.items()}
    before = snapshot(desk["store"])
    answer = desk["client"].post(
        url, data={"csrf_token": desk["token"], **sent}, headers=headers, follow_redirects=False
    )
    if url.startswith("/dispatch/events/") and url.endswith("/payment"):
        assert answer.status_code == 303  # without JS: post/redirect/get, the form says it
        answer = desk["client"].get(answer.headers["location"])
    field_refused(answer, field)
    assert snapshot(desk["store"]) == before
