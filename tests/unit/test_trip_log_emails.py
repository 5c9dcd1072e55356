"""The float plan and OVERDUE emails' list ashore (issue 26 item 9), built from a stored
departure: minors marked, the master named, the boat's description, the sector number."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from server.notify.emails import trip_email

EVENT: dict[str, Any] = {
    "event_id": "2026-05-23-smith-whale-am",
    "departure": {
        "departure_id": "d1",
        "departed_at": "2026-05-23T16:31:00Z",
        "expected_back": "2026-05-23T18:30:00Z",
        "area": "Outer bay",
        "boat": "Sea Otter",
        "boat_checked": {
            "name": "Sea Otter",
            "number": "DOC 1",
            "description": "white hull",
            "home_port": "Moss Landing",
            "passengers": 6,
            "min_crew": 1,
        },
        "aboard": [
            {
                "role": "guest",
                "name": "Ann Lee",
                "age": 40,
                "emergency_name": "Max Lee",
                "emergency_phone": "555 0100",
            },
            {
                "role": "guest",
                "name": "Tim Lee",
                "age": 9,
                "emergency_name": "Max Lee",
                "emergency_phone": "555 0100",
            },
            {"role": "crew", "name": "Pat Crew", "email": "pat@x.com"},
            {"role": "crew", "name": "Sam Deck", "email": "sam@x.com"},
        ],
        "crew_aboard": [
            {"email": "pat@x.com", "name": "Pat Crew", "role": "master"},
            {"email": "sam@x.com", "name": "Sam Deck", "role": "deckhand"},
        ],
    },
}


def texts(kind: str, phone: str | None) -> tuple[str, str]:
    message = trip_email(
        EVENT,
        kind,
        "2026-05-23T18:30:00Z",
        "https://crew.example",
        "a@example.com",
        ["shore@example.com"],
        ZoneInfo("America/Los_Angeles"),
        phone,
    )
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def test_the_float_plan_lists_minors_the_master_and_the_boat() -> None:
    plain, html = texts("float", None)
    for text in (plain, html):
        assert "Tim Lee, 9 (minor)" in text and "Ann Lee, 40 (minor)" not in text
        assert "Pat Crew (crew, master)" in text and "Sam Deck (crew)" in text
        assert "Sea Otter (DOC 1)" in text and "white hull" in text and "Moss Landing" in text
        assert "Aboard: 4 (2 guests, 2 crew)" in text
        assert "Coast Guard" not in text  # only the alarm says what to do


def test_the_overdue_alert_gives_the_sector_number_or_says_none_is_set() -> None:
    plain, html = texts("overdue", "+1 415 555 0199")
    assert "call the Coast Guard: sector +1 415 555 0199" in plain
    assert "sector <strong>+1 415 555 0199</strong>" in html
    assert "white hull" in plain and "Tim Lee, 9 (minor)" in plain
    plain, html = texts("overdue", None)
    assert "no sector number is set in the app; use VHF channel 16 or 911" in plain
    assert "no sector number is set in the app" in html
