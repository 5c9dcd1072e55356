"""Issue 27 items 7-9 against dynalite: a trip's tips split among its crew, the captain's
/admin/tips (earned, paid out, owed, card tips past payday), payouts recorded append-only
and exactly once, the CSV, and each crew member's own tips (nobody else's)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import today_in
from server.store import Store
from tests.conftest import JSON, add_event, add_user, sign_in
from tests.helpers.flows import pay
from tests.helpers.typed import found

ANN, BO = "ann@example.com", "bo@example.com"
ZONE = ZoneInfo("America/Los_Angeles")


def crew_trip(store: Store, days_ago: int, **fields: Any) -> str:
    """A trip `days_ago` with Ann as master and Bo as deckhand (the assignment's
    attribute, written as the shared contract has it)."""
    event = add_event(store, days_ahead=-days_ago, **fields)
    store.events.table.update_item(
        Key={"event_id": event["event_id"]},
        UpdateExpression="SET crew_assigned = :c",
        ExpressionAttributeValues={
            ":c": [{"email": ANN, "role": "master"}, {"email": BO, "role": "deckhand"}]
        },
    )
    return str(event["event_id"])


@pytest.fixture
def desk(client: TestClient, store: Store) -> tuple[TestClient, str]:
    add_user(store, ANN, name="Ann Master")
    add_user(store, BO, name="Bo Deckhand")
    return client, sign_in(client, store, role="captain")


@pytest.fixture
def clients() -> Iterator[Callable[[Store], TestClient]]:
    """More clients (the app started), on stores with other settings; closed after."""
    with ExitStack() as stack:
        yield lambda store: stack.enter_context(TestClient(create_app(store.settings, store)))


def desk_with(store: Store, clients: Callable[[Store], TestClient]) -> tuple[TestClient, str]:
    """The captain's client on a store with other settings."""
    add_user(store, ANN, name="Ann Master")
    add_user(store, BO, name="Bo Deckhand")
    client = clients(store)
    return client, sign_in(client, store, role="captain")


def section(page: str, name: str) -> str:
    """One crew member's section of /admin/tips."""
    start = page.index(f">{name} <span")
    end = page.find('class="crew-tips"', start)
    return page[start : end if end != -1 else len(page)]


def payout(client: TestClient, token: str, **fields: str) -> Any:
    data = {
        "payout_id": str(uuid.uuid4()),
        "email": BO,
        "amount": "20",
        "method": "cash",
        "paid_on": today_in(ZONE).isoformat(),
        "note": "",
        "csrf_token": token,
        **fields,
    }
    return client.post("/admin/tips/payouts", data=data, follow_redirects=False)


def test_a_trips_tips_are_split_and_shown_per_crew_member(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    trip = crew_trip(store, 0)
    assert pay(client, trip, captain, headers=JSON, amount="200", tip="40").status_code == 201
    assert pay(client, trip, captain, headers=JSON, amount="0", tip="0.01").status_code == 201
    page = client.get("/admin/tips")
    assert page.status_code == 200
    # 40.01 in two: the cent left over goes to the first name (Ann Master).
    ann = section(page.text, "Ann Master")
    assert '<dd class="earned">$20.01</dd>' in ann
    bo = section(page.text, "Bo Deckhand")
    assert '<dd class="earned">$20.00</dd>' in bo and '<dd class="owed">$20.00</dd>' in bo


def test_the_departures_crew_aboard_comes_before_the_assignment(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    trip = crew_trip(store, 0)
    store.events.table.update_item(
        Key={"event_id": trip},
        UpdateExpression="SET departure = :d",
        ExpressionAttributeValues={
            ":d": {"crew_aboard": [{"email": BO, "name": "Bo Deckhand", "role": "master"}]}
        },
    )
    pay(client, trip, captain, headers=JSON, amount="100", tip="30")
    rows = list(csv.reader(io.StringIO(client.get("/admin/tips.csv").text.lstrip("\ufeff"))))
    assert [r[2:5] for r in rows[1:]] == [[BO, "Bo Deckhand", "30.00"]]


def test_role_shares_weight_the_split(
    store_with: Callable[..., Store], clients: Callable[[Store], TestClient]
) -> None:
    store = store_with(SCC_TIP_SHARES="master=1.5,deckhand=1")
    client, captain = desk_with(store, clients)
    trip = crew_trip(store, 0)
    pay(client, trip, captain, headers=JSON, amount="100", tip="50")
    rows = list(csv.reader(io.StringIO(client.get("/admin/tips.csv").text.lstrip("\ufeff"))))
    assert {r[2]: r[4] for r in rows[1:]} == {ANN: "30.00", BO: "20.00"}


def test_a_payout_is_recorded_once_and_a_correction_is_a_new_entry(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    trip = crew_trip(store, 0)
    pay(client, trip, captain, headers=JSON, amount="200", tip="40")
    key = str(uuid.uuid4())
    first = payout(client, captain, payout_id=key, amount="15")
    again = payout(client, captain, payout_id=key, amount="15")
    assert first.status_code == again.status_code == 303
    assert "recorded=" in first.headers["location"]
    fix = payout(client, captain, amount="5", correction="yes", note="counted twice")
    assert fix.status_code == 303
    account = store.users.get(BO)
    assert account is not None
    assert [(p["amount"], p["method"]) for p in account["tip_payouts"]] == [
        (Decimal(15), "cash"),
        (Decimal(-5), "cash"),
    ]
    page = client.get("/admin/tips").text
    bo = section(page, "Bo Deckhand")
    assert '<dd class="paid-out">$10.00</dd>' in bo and '<dd class="owed">$10.00</dd>' in bo
    assert "Correction" in bo and "counted twice" in bo
    audit = client.get("/admin/audit").text
    assert "recorded a tip payout to" in audit


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "nobody@example.com"}, "email", "Choose a crew member."),
        ({"amount": "abc"}, "amount", "dollars and cents"),
        ({"amount": "0"}, "amount", "more than zero"),
        ({"method": "venmo"}, "method", "Choose cash or payroll."),
        ({"paid_on": "yesterday"}, "paid_on", "Enter the day it was paid"),
        ({"correction": "yes"}, "note", "Say what the correction corrects."),
    ],
)
def test_a_bad_payout_says_why_beside_the_field_and_stores_nothing(
    desk: tuple[TestClient, str], store: Store, fields: dict[str, str], field: str, message: str
) -> None:
    client, captain = desk
    answer = payout(client, captain, **fields)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text and message in answer.text
    account = store.users.get(BO)
    assert account is not None and "tip_payouts" not in account


def test_card_tips_owed_past_the_next_payday_are_flagged(
    store_with: Callable[..., Store], clients: Callable[[Store], TestClient]
) -> None:
    store = store_with(SCC_PAYDAY="weekly:fri")
    client, captain = desk_with(store, clients)
    old, recent = crew_trip(store, 10), crew_trip(store, 0)
    pay(client, old, captain, headers=JSON, amount="100", tip="20", method="card")
    pay(client, recent, captain, headers=JSON, amount="100", tip="20", method="card")
    today = today_in(ZONE)
    start = (today - timedelta(days=13)).isoformat()
    page = client.get(f"/admin/tips?from={start}&to={today.isoformat()}").text
    bo = section(page, "Bo Deckhand")
    assert "Card tips past payday: $10.00 from Alice · whale" in bo
    assert bo.count("Past payday</span>") == 1  # the trip of today is not due yet
    # Paying Bo what the old trip owes clears the flag (payouts go to the oldest first).
    payout(client, captain, amount="10", method="payroll")
    bo = client.get(f"/admin/tips?from={start}&to={today.isoformat()}").text
    assert "Card tips past payday" not in section(bo, "Bo Deckhand")
    assert "Card tips past payday" in section(bo, "Ann Master")


def test_the_csv_has_a_row_per_crew_member_per_trip_and_is_formula_safe(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    add_user(store, "eve@example.com", name="=HYPERLINK(1)")
    trip = crew_trip(store, 1)
    store.events.table.update_item(
        Key={"event_id": trip},
        UpdateExpression="SET crew_assigned = list_append(crew_assigned, :e)",
        ExpressionAttributeValues={":e": [{"email": "eve@example.com", "role": "deckhand"}]},
    )
    pay(client, trip, captain, headers=JSON, amount="300", tip="30")
    outside = crew_trip(store, 20)
    pay(client, outside, captain, headers=JSON, amount="10", tip="9")
    payout(client, captain, amount="4")
    yesterday = (today_in(ZONE) - timedelta(days=1)).isoformat()
    answer = client.get(f"/admin/tips.csv?from={yesterday}&to={yesterday}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0] == ["date", "event_id", "crew_email", "crew_name", "share", "paid_out"]
    assert sorted(rows[1:]) == sorted(
        [
            [yesterday, trip, ANN, "Ann Master", "10.00", "0.00"],
            # Bo's $4 went to his oldest trip (20 days ago) first: 4.50 owed there.
            [yesterday, trip, BO, "Bo Deckhand", "10.00", "0.00"],
            [yesterday, trip, "eve@example.com", "'=HYPERLINK(1)", "10.00", "0.00"],
        ]
    )
    bad = client.get("/admin/tips.csv?from=2026-13-01&to=2026-01-01")
    assert bad.status_code == 422


def test_crew_see_their_own_tips_and_nobody_elses(
    desk: tuple[TestClient, str], store: Store, clients: Callable[[Store], TestClient]
) -> None:
    client, captain = desk
    mine = clients(store)
    sign_in(mine, store, role="crew")
    assert "No tips yet." in mine.get("/account/tips").text  # no trips yet
    me = next(str(u["email"]) for u in store.users.all() if str(u["email"]).startswith("crew-"))
    trip = crew_trip(store, 0)
    store.events.table.update_item(
        Key={"event_id": trip},
        UpdateExpression="SET crew_assigned = :c",
        ExpressionAttributeValues={
            ":c": [{"email": ANN, "role": "master"}, {"email": me, "role": "deckhand"}]
        },
    )
    pay(client, trip, captain, headers=JSON, amount="200", tip="41")
    payout(client, captain, amount="5", email=ANN)
    page = mine.get("/account/tips")
    assert page.status_code == 200
    assert '<dd class="earned">$20.50</dd>' in page.text  # 41 in two, the cent to Ann
    assert '<dd class="owed">$20.50</dd>' in page.text
    assert "Ann Master" not in page.text and "$5.00" not in page.text
    account = mine.get("/account").text  # the account page says it too, with the link
    assert '<dd class="earned">$20.50</dd>' in account and 'href="/account/tips"' in account
    assert mine.get("/admin/tips").status_code == 403
    assert mine.get("/admin/tips.csv").status_code == 403


def test_an_event_without_crew_or_tips_is_left_out(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    lone = add_event(store)  # no crew assigned
    pay(client, lone["event_id"], captain, headers=JSON, amount="50", tip="5")
    crew_trip(store, 0, first_name="Bea")  # crew, no tips
    page = client.get("/admin/tips").text
    assert "No tips logged yet." in page and "Bo Deckhand <span" not in page


def test_the_captain_sets_a_trips_own_shares_on_its_page(
    desk: tuple[TestClient, str], store: Store
) -> None:
    client, captain = desk
    trip = crew_trip(store, 0)
    pay(client, trip, captain, headers=JSON, amount="100", tip="30")
    page = client.get(f"/dispatch/events/{trip}").text
    assert 'id="tip-shares"' in page and 'name="share_1"' in page and "Bo Deckhand" in page
    url = f"/admin/events/{trip}/tip-shares"
    base = {"csrf_token": captain, "email_0": ANN, "email_1": BO}
    bad = client.post(url, data={**base, "share_0": "2", "share_1": "-1"})
    assert bad.status_code == 422 and 'id="share_1-error"' in bad.text
    assert "tip_shares" not in (store.events.get(trip) or {})
    saved = client.post(url, data={**base, "share_0": "2", "share_1": ""}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#tip-shares")
    assert found(store.events.get(trip))["tip_shares"] == {ANN: Decimal(2)}
    rows = list(csv.reader(io.StringIO(client.get("/admin/tips.csv").text.lstrip("\ufeff"))))
    assert {r[2]: r[4] for r in rows[1:]} == {ANN: "20.00", BO: "10.00"}
    reset = client.post(url, data={**base, "share_0": "", "share_1": ""}, follow_redirects=False)
    assert reset.status_code == 303 and "tip_shares" not in (store.events.get(trip) or {})
    crew = TestClient(create_app(store.settings, store))
    with crew:
        sign_in(crew, store, role="crew")
        assert 'id="tip-shares"' not in crew.get(f"/dispatch/events/{trip}").text
        assert crew.post(url, data=base).status_code == 403
