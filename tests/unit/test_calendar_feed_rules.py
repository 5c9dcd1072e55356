"""The calendar feed's rules (issue 27 item 3): which trips, whole days, the token."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from server.domain.calendar_feed import build_feed, feed_events, looks_like_token, new_token


def trip(event_id: str, **fields: Any) -> dict[str, Any]:
    crew = [{"email": "me@x.com", "role": "deckhand", "name": "Me"}]
    return {"event_id": event_id, "date": event_id[:10], "crew_assigned": crew, **fields}


def test_only_my_live_trips_are_in_the_feed() -> None:
    events: list[dict[str, Any]] = [
        trip("2027-06-10-a"),
        trip("2027-06-11-b", status="cancelled"),
        trip("2027-06-12-c", moved_to="2027-06-12-d"),
        {"event_id": "2027-06-13-e", "date": "2027-06-13"},
    ]
    assert [(e["event_id"], role) for e, role in feed_events(events, "me@x.com")] == [
        ("2027-06-10-a", "deckhand")
    ]
    assert feed_events(events, "other@x.com") == []


def test_a_trip_without_a_start_time_is_a_whole_day_and_times_are_the_operators() -> None:
    la = ZoneInfo("America/Los_Angeles")
    body = build_feed(
        [(trip("2027-06-10-a"), "deckhand"), (trip("2027-06-11-b", start_time="17:00"), "master")],
        operator="Blue Bay",
        timezone=la,
        trip_url=lambda i: f"https://x.test/dispatch/events/{i}",
        stamp=datetime(2027, 6, 1, tzinfo=UTC),
    )
    calendar = Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]) == "Blue Bay trips"
    whole, timed = calendar.walk("VEVENT")
    assert whole.decoded("dtstart") == date(2027, 6, 10)
    assert whole.decoded("dtend") == date(2027, 6, 11)
    start = timed.decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2027, 6, 12, 0, 0, tzinfo=UTC)  # 5 pm PDT
    assert (timed.decoded("dtend") - start).total_seconds() == 3 * 3600  # no duration: 3 h
    assert str(timed["summary"]).endswith("(Master)")


def test_tokens_are_long_random_and_only_their_shape_is_looked_up() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(looks_like_token(t) for t in tokens)
    assert not looks_like_token("x") and not looks_like_token("A" * 44)
    assert not looks_like_token("A" * 42 + "/")


def test_a_trip_entry_says_who_where_how_long_and_links_its_page() -> None:
    utc = ZoneInfo("UTC")
    crew = [
        {"email": "cap@x.com", "role": "master", "name": "Cap"},
        {"email": "me@x.com", "role": "deckhand"},
    ]
    event = trip(
        "2027-06-10-a",
        patron_first_name="Ana",
        period="Sunset",
        boat="Sea Otter",
        start_time="09:30",
        duration_minutes=90,
        meeting_point="Dock 4",
        party_size=5,
        crew_assigned=crew,
    )
    body = build_feed(
        [(event, "deckhand")],
        operator="",
        timezone=utc,
        trip_url=lambda i: f"https://x.test/trips/{i}",
        stamp=datetime(2027, 6, 1, 8, 0, tzinfo=UTC),
    )
    calendar = Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]) == "Charter trips"
    assert str(calendar["prodid"]) == "-//Ship Captain Crew//crew trips//EN"
    assert str(calendar["version"]) == "2.0"
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["uid"]) == "2027-06-10-a@ship-captain-crew"
    assert entry.decoded("dtstamp") == datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    assert str(entry["summary"]) == "Ana · Sunset · Sea Otter (Deckhand)"
    assert entry.decoded("dtstart") == datetime(2027, 6, 10, 9, 30, tzinfo=utc)
    assert entry.decoded("dtend") == datetime(2027, 6, 10, 11, 0, tzinfo=utc)
    assert str(entry["location"]) == "Dock 4"
    assert str(entry["url"]) == "https://x.test/trips/2027-06-10-a"
    assert str(entry["description"]).split("\n") == [
        "Party: Ana (5 guests)",
        "Boat: Sea Otter",
        "Meeting point: Dock 4",
        "Crew: Cap (master), me@x.com (deckhand)",
        "Trip page: https://x.test/trips/2027-06-10-a",
    ]


def test_a_bare_trip_entry_says_what_is_not_set() -> None:
    body = build_feed(
        [(trip("2027-06-10-a", start_time="9:30"), "master")],
        operator="Blue Bay",
        timezone=ZoneInfo("UTC"),
        trip_url=lambda i: f"/t/{i}",
        stamp=datetime(2027, 6, 1, tzinfo=UTC),
    )
    (entry,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(entry["summary"]) == " (Master)"
    assert entry.decoded("dtstart") == date(2027, 6, 10)
    assert "location" not in entry
    assert str(entry["description"]).split("\n") == [
        "Party:  (0 guests)",
        "Boat: not set",
        "Meeting point: not set",
        "Crew: Me (deckhand)",
        "Trip page: /t/2027-06-10-a",
    ]
