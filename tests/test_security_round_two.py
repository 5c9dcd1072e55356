"""Security, round two (issue 15): what an outside attack on the running app found.
One test (or a few) per finding; each fails without its fix."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.domain.forms import MAX_LINE, text_field
from server.store import Store
from tests.conftest import (
    add_event,
    csrf_from,
    sign_in,
)
from tests.test_waiver_flow import sign

# --- 10. free text is NFC, without control or bidi formatting characters ----------------


def test_text_fields_are_nfc_without_control_or_bidi_characters() -> None:
    form = {
        "full_name": "Ali\u202ece\x00 Smi\x07th\u200b",
        "accent": "Jose\u0301",  # e + combining acute: NFC makes one character
        "note": "line one\r\n\tline two\x00\u202e",
    }
    assert text_field(form, "full_name") == "Alice Smith"
    assert text_field(form, "accent") == "Jos\u00e9"
    assert text_field(form, "note", multiline=True) == "line one\n\tline two"
    assert text_field({"name": "a\tb\nc"}, "name") == "abc"  # single-line: no tab/newline


def test_a_bidi_override_in_a_signer_name_never_reaches_the_manifest(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    name = "\u202eAlice Smith"
    assert sign(client, event["event_id"], name=name, signature="Alice Smith").status_code == 303
    (waiver,) = store.waivers.for_event(event["event_id"])
    assert waiver["full_name"] == "Alice Smith"


def test_a_payment_note_keeps_its_newlines_but_not_nul(client: TestClient, store: Store) -> None:
    import re
    import uuid

    event = add_event(store)
    token = sign_in(client, store)
    response = client.post(
        f"/api/events/{event['event_id']}/payment",
        data={
            "csrf_token": token,
            "payment_id": str(uuid.uuid4()),
            "amount": "10",
            "method": "cash",
            "note": "tip\x00\r\nfor the crew\u202e",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    stored = store.events.get(event["event_id"])
    assert stored is not None
    assert stored["payments"][0]["note"] == "tip\nfor the crew"
    assert not re.search(r"[\x00\u202e]", str(stored["payments"]))


# --- 11. text fields are capped when read, and never echoed longer ----------------------


def test_sign_in_echoes_at_most_254_characters_of_the_email(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    huge = "a" * 1_000_000 + "@example.com"
    response = client.post("/login", data={"email": huge, "password": "x", "csrf_token": token})
    assert response.status_code == 401
    assert "a" * 254 in response.text and "a" * 255 not in response.text


def test_every_text_field_is_capped_when_read() -> None:
    assert len(text_field({"boat": "x" * 10_000}, "boat")) == MAX_LINE
    assert len(text_field({"email": "x" * 10_000}, "email")) == 254


def test_an_overlong_waiver_name_is_refused_and_echoed_capped(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    response = sign(client, event["event_id"], name="B" * 100_000)
    assert response.status_code == 422
    assert "B" * MAX_LINE in response.text and "B" * (MAX_LINE + 1) not in response.text
    assert store.waivers.for_event(event["event_id"]) == []
