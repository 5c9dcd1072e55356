"""The crew's private calendar feed (issue 27 item 3) against dynalite: made and revoked
from the account page, read with no session, parsed with `icalendar`, following the
assignment."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from icalendar import Calendar
from starlette.testclient import TestClient

from server.app import create_app
from server.store import Store
from tests.conftest import add_event, sign_in


def me(store: Store) -> str:
    return next(str(u["email"]) for u in store.users.all() if u["role"] == "crew")


def feed_path(client: TestClient) -> str:
    page = client.get("/account").text
    match = re.search(
        r'id="feed-url" type="url" readonly value="https?://[^/"]+(/calendar/[^"]+)"', page
    )
    assert match, "the account page shows no feed address"
    return match.group(1)


def assign(store: Store, event_id: str, email: str, role: str = "deckhand") -> None:
    store.events.change_crew(
        event_id, lambda e: [{"email": email, "role": role, "name": "Pat Crew"}]
    )


def read(store: Store, path: str) -> tuple[int, bytes, str]:
    """The feed as a calendar app fetches it: no cookies at all."""
    with TestClient(create_app(store.settings, store)) as anonymous:
        answer = anonymous.get(path)
        return answer.status_code, answer.content, answer.headers.get("content-type", "")


def test_the_feed_lists_assigned_trips_and_follows_the_assignment(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store, role="crew")
    email = me(store)
    assert "Make my calendar address" in client.get("/account").text
    made = client.post("/account/feed", data={"csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303
    path = feed_path(client)
    trip = add_event(
        store,
        days_ahead=2,
        first_name="Alice",
        start_time="09:30",
        duration_minutes="150",
        meeting_point="Dock 3, Slip 12",
        boat="Orca",
        party_size="6",
    )
    other = add_event(store, days_ahead=2, first_name="Bea")
    assign(store, trip["event_id"], email, "master")
    assign(store, other["event_id"], "someone@example.com")

    status, body, kind = read(store, path)
    assert status == 200 and kind.startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{trip['event_id']}@ship-captain-crew"
    assert (
        "Alice" in str(event["summary"])
        and "Orca" in str(event["summary"])
        and "(Master)" in str(event["summary"])
    )
    assert str(event["location"]) == "Dock 3, Slip 12"
    start: datetime = event.decoded("dtstart")
    end: datetime = event.decoded("dtend")
    assert start.isoformat()[:16] == f"{trip['date']}T09:30" and end - start == timedelta(
        minutes=150
    )
    assert str(event["url"]).endswith(f"/dispatch/events/{trip['event_id']}")
    description = str(event["description"])
    assert "Party: Alice (6 guests)" in description and "Boat: Orca" in description

    # Taken off the trip, put on another: the feed follows at once.
    store.events.change_crew(trip["event_id"], lambda e: [])
    assign(store, other["event_id"], email)
    status, body, _ = read(store, path)
    uids = [str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert uids == [f"{other['event_id']}@ship-captain-crew"]


def test_a_revoked_or_replaced_token_answers_404(client: TestClient, store: Store) -> None:
    token = sign_in(client, store, role="crew")
    client.post("/account/feed", data={"csrf_token": token})
    first = feed_path(client)
    assert read(store, first)[0] == 200
    client.post("/account/feed", data={"csrf_token": token})
    second = feed_path(client)
    assert second != first
    assert read(store, first)[0] == 404  # a new address ends the old one
    revoked = client.post(
        "/account/feed/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    status, body, kind = read(store, second)
    assert status == 404 and kind.startswith("text/html") and b"Not found" in body
    assert "Make my calendar address" in client.get("/account").text
    actions = [
        r["action"] for r in store.audit.on_day(datetime.now().astimezone().date().isoformat())
    ] + [
        r["action"]
        for r in store.audit.on_day(
            __import__("server.domain.clock", fromlist=["x"]).utc_now_iso()[:10]
        )
    ]
    assert {"account.feed_created", "account.feed_revoked"} <= set(actions)


def test_a_made_up_token_answers_404_without_a_session(store: Store) -> None:
    assert read(store, "/calendar/x.ics")[0] == 404
    assert read(store, "/calendar/" + "A" * 43 + ".ics")[0] == 404


def test_a_disabled_accounts_feed_answers_404(client: TestClient, store: Store) -> None:
    token = sign_in(client, store, role="crew")
    client.post("/account/feed", data={"csrf_token": token})
    path = feed_path(client)
    store.users.set_disabled(me(store), True)
    assert read(store, path)[0] == 404
