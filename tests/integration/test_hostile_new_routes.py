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
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.boats import Boat
from server.store import Store
from server.web.cookies import language_cookie_name
from tests.conftest import JSON, add_event, add_user, connect, new_tables, sign_in
from tests.fake_stripe import FakeStripe, sign
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.sealing import signing_env

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource

CREW = "deck@example.com"
HUGE = "x" * 20_000
MONEY = ["-5", "-0.01", "1e400", "NaN", "Infinity", "9" * 40, "abc", "٤٠", "1.234"]


def _desk(store: Store) -> Iterator[dict[str, Any]]:
    """A captain signed in, a crew account, a boat, and a trip today crewed by it."""
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


@pytest.fixture(scope="module")
def desk(
    dynalite_endpoint: str, shared_resource: DynamoDBServiceResource
) -> Iterator[dict[str, Any]]:
    """The desk of the tests that are refused: built once for the module, on tables of
    its own (a new prefix, so other tests' emptying never reaches them). Each of those
    tests checks that nothing was stored, so none changes what the next one starts from
    (the crew route's test adds a signed-in crew account first, which nothing here
    reads); building it again cost ~0.3 s a test, 178 times."""
    stripe = FakeStripe().start()
    try:
        settings = new_tables(dynalite_endpoint, **stripe.env(), **signing_env())
        yield from _desk(connect(settings, shared_resource))
    finally:
        stripe.stop()


@pytest.fixture
def own_desk(store_with: Callable[..., Store], fake: FakeStripe) -> Iterator[dict[str, Any]]:
    """A desk of this test's own, for the tests that store something on the way."""
    yield from _desk(store_with(**fake.env(), **signing_env()))


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


# --- ranges and days in the query -----------------------------------------------------

BAD_RANGES = [
    {"from": "2030-05-02", "to": "2030-05-01"},  # from after to
    {"from": "not a date"},
    {"to": "2030-02-30"},
    {"from": "0001-01-01", "to": "9999-12-31"},
    {"from": "9" * 40},
]


@pytest.mark.parametrize("query", BAD_RANGES)
@pytest.mark.parametrize("path", ["/admin/tips", "/admin/tips.csv"])
def test_a_bad_tips_range_is_422_in_words(
    desk: dict[str, Any], path: str, query: dict[str, str]
) -> None:
    answer = desk["client"].get(path, params=query)
    assert answer.status_code == 422, answer.text[:400]
    assert re.search(r"(date|days)", answer.text), answer.text[:2000]
    assert not answer.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("day", ["not a date", "2030-02-30", "9999-12-31", "0001-01-01", "9" * 40])
def test_a_bad_day_of_trip_logs_is_422_next_to_the_field(desk: dict[str, Any], day: str) -> None:
    field_refused(desk["client"].get("/admin/logs", params={"date": day}), "date")


# --- the tips CSV is formula-safe -------------------------------------------------------

FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("name", FORMULAS)
def test_the_tips_csv_never_starts_a_cell_with_a_formula(
    own_desk: dict[str, Any], name: str
) -> None:
    store, client = own_desk["store"], own_desk["client"]
    email = f"f{uuid.uuid4().hex[:8]}@example.com"
    add_user(store, email, "crew", name)
    event = add_event(store, total_price="300", first_name="Formula")
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression="SET crew_assigned = :c",
        ExpressionAttributeValues={":c": [{"email": email, "role": "master"}]},
    )
    paid = client.post(
        f"/api/events/{event['event_id']}/payment",
        data={"csrf_token": own_desk["token"], **_payment("30"), "amount": "0"},
        headers=JSON,
    )
    assert paid.status_code == 201, paid.text
    answer = client.get("/admin/tips.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    mine = [r for r in rows if email in r]
    assert mine, rows  # the member's row is there
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or _number(cell), row
    assert "'" + name in mine[0]


def _number(cell: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None  # a negative amount is a number


# --- unknown things are the 404 page; the wrong role is 403 or the sign-in page --------

UNKNOWN = [
    "/admin/events/{new}/log",
    "/admin/boats/{new}/edit",
    "/admin/events/{id}/waivers/{new}/pdf",
    "/admin/events/{new}/waivers/{new}/pdf",
    "/dispatch/events/{new}/back",
    "/dispatch/events/{new}/depart",
    "/admin/crew/credentials?email=nobody@example.com",
    "/calendar/" + "a" * 43 + ".ics",
    "/calendar/..%2F..%2Fetc.ics",
    "/g/{new}/paid?session_id=cs_test_nope",
]
UNKNOWN_POSTS = [
    "/admin/events/{new}/crew",
    "/admin/events/{new}/crew/remove",
    "/admin/events/{new}/tip-shares",
    "/admin/boats/{new}",
    "/dispatch/events/{new}/back/undo",
    "/dispatch/events/{new}/depart",
    "/g/{new}/pay",
]


def _url(path: str, event_id: str) -> str:
    return path.replace("{id}", event_id).replace("{new}", f"2030-01-01-{uuid.uuid4().hex[:6]}")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", p) for p in UNKNOWN] + [("POST", p) for p in UNKNOWN_POSTS]
)
def test_unknown_ids_are_the_404_page(desk: dict[str, Any], method: str, path: str) -> None:
    url = _url(path, desk["event"]["event_id"])
    answer = desk["client"].request(method, url, data={"csrf_token": desk["token"]})
    assert answer.status_code == 404, (url, answer.status_code, answer.text[:300])
    assert 'class="error-page"' in answer.text


CAPTAIN_ONLY = [
    ("GET", "/admin/boats"),
    ("GET", "/admin/boats/bbbbbbbb/edit"),
    ("POST", "/admin/boats"),
    ("POST", "/admin/boats/bbbbbbbb"),
    ("POST", "/admin/events/{id}/crew"),
    ("POST", "/admin/events/{id}/crew/remove"),
    ("POST", "/admin/events/{id}/tip-shares"),
    ("GET", "/admin/crew/credentials?email=" + CREW),
    ("POST", "/admin/crew/credentials"),
    ("GET", "/admin/tips"),
    ("GET", "/admin/tips.csv"),
    ("POST", "/admin/tips/payouts"),
    ("GET", "/admin/events/{id}/log"),
    ("GET", "/admin/logs"),
]
SIGNED_IN = [
    ("GET", "/account"),
    ("GET", "/account/tips"),
    ("POST", "/account/feed"),
    ("POST", "/account/feed/revoke"),
    ("POST", "/dispatch/events/{id}/back/undo"),
    ("POST", "/dispatch/events/{id}/depart"),
]


@pytest.mark.parametrize(("method", "path"), CAPTAIN_ONLY)
def test_crew_on_a_captain_route_is_403_and_nothing_changes(
    desk: dict[str, Any], method: str, path: str
) -> None:
    store = desk["store"]
    with TestClient(desk["app"], raise_server_exceptions=False) as crew:
        token = sign_in(crew, store, role="crew")
        before = snapshot(store)
        form = {"csrf_token": token, "email": CREW, "name": "X", "passengers": "6", "min_crew": "1"}
        answer = crew.request(method, _url(path, desk["event"]["event_id"]), data=form)
        assert answer.status_code == 403, answer.text[:300]
        assert snapshot(store) == before


@pytest.mark.parametrize(("method", "path"), CAPTAIN_ONLY + SIGNED_IN)
def test_anonymous_is_sent_to_sign_in_and_nothing_changes(
    desk: dict[str, Any], method: str, path: str
) -> None:
    with TestClient(desk["app"], raise_server_exceptions=False) as anonymous:
        before = snapshot(desk["store"])
        url = _url(path, desk["event"]["event_id"])
        answer = anonymous.request(method, url, follow_redirects=False)
        if method == "GET":
            assert answer.status_code in (302, 303), answer.status_code
            assert "/login" in answer.headers["location"]
        else:  # no session, no CSRF token: refused before the handler
            assert answer.status_code in (303, 403), answer.status_code
        assert snapshot(desk["store"]) == before


@pytest.mark.parametrize(
    ("method", "path"), [m for m in CAPTAIN_ONLY + SIGNED_IN if m[0] == "POST"]
)
def test_a_post_without_its_csrf_token_is_403_and_nothing_changes(
    desk: dict[str, Any], method: str, path: str
) -> None:
    before = snapshot(desk["store"])
    url = _url(path, desk["event"]["event_id"])
    answer = desk["client"].post(url, data={"email": CREW, "role": "deckhand"})
    assert answer.status_code == 403, answer.text[:300]
    assert snapshot(desk["store"]) == before


# --- Stripe's webhook: signed, yet not an event the app can record ----------------------


def _event(obj: Any) -> bytes:
    return json.dumps(
        {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": obj}}
    ).encode()


def _session(**fields: Any) -> dict[str, Any]:
    return {"id": "cs_test_1", "payment_status": "paid", "amount_total": 1000, **fields}


MALFORMED = [
    b"-1",
    b"NaN",
    b"[]",
    b'"text"',
    json.dumps({"type": "checkout.session.completed", "data": 5}).encode(),
    _event("not an object"),
    _event([1, 2]),
    *[
        _event(_session(metadata={"event_id": "{id}"}, amount_total=v))
        for v in ["-100", -100, "1e400", "NaN", "12.5", "9" * 40, "٤٠", None]
    ],
    _event(_session(metadata="event_id={id}")),
    _event({"payment_status": "paid", "amount_total": 1000, "metadata": {"event_id": "{id}"}}),
    _event(_session(id=["cs_1"], metadata={"event_id": "{id}"})),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_signed_webhook_that_is_not_a_paid_session_is_400_and_records_nothing(
    desk: dict[str, Any], body: bytes
) -> None:
    body = body.replace(b"{id}", desk["event"]["event_id"].encode())
    before = snapshot(desk["store"])
    answer = desk["client"].post(
        "/webhooks/stripe", content=body, headers={"Stripe-Signature": sign(body)}
    )
    assert answer.status_code == 400, answer.text[:300]
    assert snapshot(desk["store"]) == before


@pytest.mark.parametrize("lang", ["zz", "", "es\x00", "../es", "e" * 5000, "ES-es;q=1", "🐋"])
def test_an_unknown_language_is_english_never_an_error(desk: dict[str, Any], lang: str) -> None:
    trip = f"/g/{desk['event']['event_id']}"
    with TestClient(desk["app"], raise_server_exceptions=False) as patron:
        answer = patron.get(trip, params={"lang": lang})
        assert answer.status_code == 200, answer.text[:300]
        assert '<html lang="en"' in answer.text
        patron.cookies.set(
            language_cookie_name(desk["store"].settings),
            lang.encode("ascii", "ignore").decode() or "zz",
        )
        again = patron.get(trip)
        assert again.status_code == 200
        assert '<html lang="en"' in again.text


@pytest.mark.parametrize("suffix", ["/pdf", ""])
def test_another_trips_waiver_is_404_under_this_trip(own_desk: dict[str, Any], suffix: str) -> None:
    store, client = own_desk["store"], own_desk["client"]
    other = add_event(store, days_ahead=1, first_name="Other")
    with TestClient(own_desk["app"], raise_server_exceptions=False) as patron:
        signed = sign_waiver(patron, other["event_id"])
    assert signed.status_code == 303, signed.text[:300]
    waiver_id = signed.headers["location"].rsplit("/", 1)[1]
    own = client.get(f"/admin/events/{other['event_id']}/waivers/{waiver_id}{suffix}")
    assert own.status_code == 200  # the right trip shows it
    here = f"/admin/events/{own_desk['event']['event_id']}/waivers/{waiver_id}{suffix}"
    answer = client.get(here)
    assert answer.status_code == 404
    assert 'class="error-page"' in answer.text
