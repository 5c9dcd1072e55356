"""The patron's trip page and waiver signing, the manifest and the captain's record,
through the app against dynalite."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import human_time, today_in
from server.domain.waiver_rules import CURRENT_WAIVER, PINNED
from server.store import Store
from server.store.waivers import WaiverExists
from tests.conftest import HX, add_event, csrf_from, sign_in
from tests.helpers.flows import PATRON_UA, sign, signer, waiver_form
from tests.helpers.typed import found


def test_trip_page_shows_the_trip_to_anyone(client: TestClient, store: Store) -> None:
    event = add_event(store, first_name="Alice", boat="Orca", meeting_point="Dock B")
    page = client.get(f"/g/{event['event_id']}")
    assert page.status_code == 200
    # The start time in the one format every time is shown in (issue 24 item 15).
    assert "Orca" in page.text and "Dock B" in page.text and "9:30 am" in page.text
    assert "09:30" not in page.text
    assert f'href="/g/{event["event_id"]}/waiver"' in page.text
    assert "Sign out" not in page.text


def test_signing_stores_an_audit_trail_and_shows_a_confirmation(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    form_page = client.get(f"/g/{event['event_id']}/waiver")
    assert form_page.headers["cache-control"] == "no-store"
    # The version travels in the form, but patrons never see internal version names.
    assert f'name="waiver_version" value="{CURRENT_WAIVER}"' in form_page.text
    assert f"Version {CURRENT_WAIVER}" not in form_page.text
    response = sign(
        client,
        event["event_id"],
        minor_rows="1",
        minor_name_0="Tim Smith",
        minor_dob_0="2016-03-02",
    )
    assert response.status_code == 303
    location = response.headers["location"]
    [waiver] = store.waivers.for_event(event["event_id"])
    assert location == f"/g/{event['event_id']}/waiver/signed/{waiver['waiver_id']}"
    assert "smith" not in location.lower() and "1990" not in location  # no waiver data in URLs
    assert waiver["waiver_version"] == CURRENT_WAIVER
    assert waiver["waiver_sha256"] == PINNED[CURRENT_WAIVER]
    assert waiver["esign_sha256"] == PINNED[waiver["esign_version"]]
    assert waiver["signature_typed"] == "Alice Smith"
    assert waiver["agree_terms"] is True and waiver["esign_consent"] is True
    assert waiver["signed_at"].endswith("Z")
    assert waiver["ip"] == "testclient"  # the socket peer
    assert waiver["user_agent"] == PATRON_UA
    assert waiver["minors"] == [{"name": "Tim Smith", "date_of_birth": "2016-03-02"}]
    assert waiver["guest_count"] == 2
    confirmation = client.get(location)
    assert confirmation.status_code == 200
    assert confirmation.headers["cache-control"] == "no-store"
    text = confirmation.text
    assert waiver["waiver_id"][:8].upper() in text and "Tim Smith" in text
    assert PINNED[CURRENT_WAIVER] in text and waiver["signed_at"] in text
    assert CURRENT_WAIVER not in text
    assert "1990-04-21" not in text and "555 123 4567" not in text  # names only


def test_the_same_form_sent_twice_stores_one_waiver(client: TestClient, store: Store) -> None:
    event = add_event(store)
    data = signer(waiver_form(client, event["event_id"]))
    first = client.post(f"/g/{event['event_id']}/waiver", data=data, follow_redirects=False)
    again = client.post(f"/g/{event['event_id']}/waiver", data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(store.waivers.for_event(event["event_id"])) == 1


def test_a_reused_reference_never_overwrites_a_waiver(client: TestClient, store: Store) -> None:
    event = add_event(store)
    data = signer(waiver_form(client, event["event_id"]))
    client.post(f"/g/{event['event_id']}/waiver", data=data)
    other = {**data, "full_name": "Eve Mallory", "signature": "Eve Mallory"}
    response = client.post(f"/g/{event['event_id']}/waiver", data=other)
    assert response.status_code == 409 and "sign again" in response.text
    [waiver] = store.waivers.for_event(event["event_id"])
    assert waiver["full_name"] == "Alice Smith"
    with pytest.raises(WaiverExists):
        store.waivers.create({**waiver, "full_name": "Eve Mallory"})
    assert (
        found(store.waivers.get(event["event_id"], waiver["waiver_id"]))["full_name"]
        == "Alice Smith"
    )


def test_two_guests_signing_at_once_both_land(store: Store) -> None:
    event = add_event(store)
    app = create_app(store.settings, store)
    names = [f"Guest Number{chr(65 + i)}" for i in range(6)]

    def guest(name: str) -> int:
        with TestClient(app) as client:
            return int(sign(client, event["event_id"], name=name).status_code)

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(guest, names))
    assert codes == [303] * 6
    stored = sorted(w["full_name"] for w in store.waivers.for_event(event["event_id"]))
    assert stored == names


def test_a_refused_form_keeps_the_input_with_a_message_per_field(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    data = signer(
        waiver_form(client, event["event_id"]),
        date_of_birth="2030-01-01",
        email="nope",
        signature="Someone Else",
    )
    response = client.post(f"/g/{event['event_id']}/waiver", data=data)
    assert response.status_code == 422
    html = response.text
    for field in ("date_of_birth", "email", "signature"):
        assert f'id="{field}-error"' in html
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S)
    assert 'value="Alice Smith"' in html and 'value="nope"' in html
    assert store.waivers.for_event(event["event_id"]) == []
    fragment = client.post(f"/g/{event['event_id']}/waiver", data=data, headers=HX)
    assert fragment.status_code == 422 and "<html" not in fragment.text


def test_add_and_remove_a_minor_without_javascript(client: TestClient, store: Store) -> None:
    event = add_event(store)
    form = waiver_form(client, event["event_id"])
    assert form["minor_rows"] == "0"
    data = signer(form, action="add_minor")
    one = client.post(f"/g/{event['event_id']}/waiver", data=data)
    assert one.status_code == 200 and 'name="minor_name_0"' in one.text
    assert 'value="Alice Smith"' in one.text  # what was typed stays
    two = client.post(
        f"/g/{event['event_id']}/waiver",
        data={**data, "minor_rows": "1", "minor_name_0": "Tim", "minor_dob_0": "2016-01-01"},
    )
    assert 'name="minor_name_1"' in two.text and 'value="Tim"' in two.text
    removed = client.post(
        f"/g/{event['event_id']}/waiver",
        data={
            **data,
            "action": "remove_minor_0",
            "minor_rows": "2",
            "minor_name_0": "Tim",
            "minor_dob_0": "2016-01-01",
            "minor_name_1": "Ann",
            "minor_dob_1": "2018-01-01",
        },
    )
    assert 'value="Ann"' in removed.text and 'value="Tim"' not in removed.text
    assert 'name="minor_name_1"' not in removed.text
    assert store.waivers.for_event(event["event_id"]) == []


@pytest.mark.parametrize(
    "path",
    [
        "/g/2026-05-23/waiver",
        "/g/2026-05-23",
        "/g/../x",
        "/g/%00",
        "/g/%00/waiver",
        "/g/2030-01-01-nobody/waiver",
        "/g/2030-02-30-ann/waiver",
        "/g/2030-01-01-ann/waiver/signed/not-a-uuid",
    ],
)
def test_unknown_or_malformed_trips_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "Not found" in response.text


def test_cancelled_and_long_past_trips_refuse_waivers(client: TestClient, store: Store) -> None:
    cancelled = add_event(store, first_name="Cat")
    store.events.table.update_item(
        Key={"event_id": cancelled["event_id"]},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "cancelled"},
    )
    past = add_event(store, days_ahead=-(store.settings.waiver_close_days + 1), first_name="Old")
    recent = add_event(store, days_ahead=-store.settings.waiver_close_days, first_name="Late")
    for event, words in ((cancelled, "cancelled"), (past, "over")):
        page = client.get(f"/g/{event['event_id']}/waiver")
        assert page.status_code == 410 and words in page.text
        post = client.post(
            f"/g/{event['event_id']}/waiver",
            data=signer({"csrf_token": csrf_from(client.get("/login").text)}),
        )
        assert post.status_code == 410
        assert store.waivers.for_event(event["event_id"]) == []
    assert client.get(f"/g/{recent['event_id']}/waiver").status_code == 200


def test_ip_comes_from_cloudfront_only_behind_the_origin_secret(
    client: TestClient, store: Store, store_with: Callable[..., Store]
) -> None:
    # Locally (no origin secret) CloudFront's and X-Forwarded-For headers are not trusted.
    event = add_event(store)
    spoof = {"X-Forwarded-For": "6.6.6.6", "CloudFront-Viewer-Address": "7.7.7.7:1234"}
    data = signer(waiver_form(client, event["event_id"]), name="Spoof Er")
    client.post(f"/g/{event['event_id']}/waiver", data=data, headers=spoof)
    assert store.waivers.for_event(event["event_id"])[0]["ip"] == "testclient"

    secret = "o" * 40
    behind = store_with(SCC_ORIGIN_SECRET=secret)
    settings = behind.settings
    event = add_event(behind, first_name="Bea")  # the same tables: another trip
    app = create_app(settings, behind)
    with TestClient(app, headers={"X-Origin-Verify": secret}) as via_cloudfront:
        data = signer(waiver_form(via_cloudfront, event["event_id"]), name="Real Guest")
        via_cloudfront.post(
            f"/g/{event['event_id']}/waiver",
            data=data,
            headers={"CloudFront-Viewer-Address": "[2001:db8::1]:443"},
        )
    with TestClient(app) as direct:  # the Function URL called directly: refused
        assert direct.get(f"/g/{event['event_id']}/waiver").status_code == 403
    [waiver] = behind.waivers.for_event(event["event_id"])
    assert waiver["full_name"] == "Real Guest" and waiver["ip"] == "2001:db8::1"


def test_cards_count_guests_covered_by_waivers(client: TestClient, store: Store) -> None:
    event = add_event(store, party_size=6)
    sign(
        client,
        event["event_id"],
        minor_rows="2",
        minor_name_0="Tim Smith",
        minor_dob_0="2016-03-02",
        minor_name_1="Ann Smith",
        minor_dob_1="2019-05-05",
    )
    sign_in(client, store)
    assert "3 of 6" in client.get("/dispatch").text
    assert "3 of 6" in client.get(f"/dispatch/events/{event['event_id']}").text
    body = client.get(f"/api/events/{event['event_id']}", headers={"Accept": "application/json"})
    assert body.json()["waivers_signed"] == 3


def test_crew_manifest_shows_names_ages_and_status_only(client: TestClient, store: Store) -> None:
    event = add_event(store, party_size=4)
    trip_day = today_in(store.settings.timezone)
    minor_born = (trip_day - timedelta(days=365 * 9 + 10)).isoformat()
    sign(
        client, event["event_id"], minor_rows="1", minor_name_0="Tim Smith", minor_dob_0=minor_born
    )
    sign_in(client, store, role="crew")
    page = client.get(f"/dispatch/events/{event['event_id']}/manifest")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert "Alice Smith" in html and "Tim Smith" in html and "signed for by Alice Smith" in html
    assert "Tim Smith</strong>, 9" in html
    assert "2 guests in the party still need a waiver" in html
    for private in ("alice@example.com", "555 123 4567", "1990-04-21", "Bob Smith", "open waiver"):
        assert private not in html
    waiver_id = store.waivers.for_event(event["event_id"])[0]["waiver_id"]
    record = client.get(f"/admin/events/{event['event_id']}/waivers/{waiver_id}")
    assert record.status_code == 403 and "alice@example.com" not in record.text


def test_check_in_toggles_with_and_without_javascript(client: TestClient, store: Store) -> None:
    event = add_event(store)
    sign(client, event["event_id"])
    token = sign_in(client, store)
    waiver_id = store.waivers.for_event(event["event_id"])[0]["waiver_id"]
    url = f"/dispatch/events/{event['event_id']}/manifest/checkin"
    data = {"csrf_token": token, "waiver_id": waiver_id, "guest": "signer", "checked_in": "yes"}
    plain = client.post(url, data=data, follow_redirects=False)
    assert plain.status_code == 303
    checkin = found(store.waivers.get(event["event_id"], waiver_id))["checkins"]["signer"]
    assert checkin["checked_in"] is True and checkin["by"].startswith("crew-")
    fragment = client.post(url, data={**data, "checked_in": "no"}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="guest-{waiver_id}-signer"' in fragment.text and "Not checked in" in fragment.text
    assert 'id="checked-in-count" data-hx-swap-oob="true">0</dd>' in fragment.text
    assert (
        found(store.waivers.get(event["event_id"], waiver_id))["checkins"]["signer"]["checked_in"]
        is False
    )
    for bad in ({"guest": "admin"}, {"waiver_id": str(uuid.uuid4())}, {"waiver_id": "x"}):
        assert client.post(url, data={**data, **bad}).status_code == 404


def test_over_capacity_is_warned(client: TestClient, store: Store) -> None:
    event = add_event(store, party_size=3, capacity=2)
    sign_in(client, store)
    html = client.get(f"/dispatch/events/{event['event_id']}/manifest").text
    assert "Over capacity: 3 guests for a boat that takes 2" in html


def test_captain_reads_the_full_waiver_with_its_audit_trail(
    client: TestClient, store: Store
) -> None:
    event = add_event(store)
    sign(client, event["event_id"])
    sign_in(client, store, role="captain")
    waiver = store.waivers.for_event(event["event_id"])[0]
    manifest = client.get(f"/dispatch/events/{event['event_id']}/manifest").text
    assert "open waiver" in manifest
    record = client.get(f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}")
    assert record.status_code == 200 and record.headers["cache-control"] == "no-store"
    for shown in (
        "alice@example.com",
        "1990-04-21",
        "Bob Smith",
        PATRON_UA,
        PINNED[CURRENT_WAIVER],
        waiver["signed_at"],
        "gross negligence",
    ):
        assert shown in record.text
    # The moment as people read it, in the one time format (issue 24 item 15): the day
    # and the zone, and UTC; the ISO form only in <time datetime>, never as text.
    zone = store.settings.timezone
    local = human_time(waiver["signed_at"], zone, always_day=True, zone=True)
    in_utc = human_time(waiver["signed_at"], UTC, always_day=True, zone=True)
    assert f">{local}</time>" in record.text and f">{in_utc}</time>)" in record.text
    visible = re.sub(r"<[^>]+>", "", record.text)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", visible)
    assert "recorded as" not in visible
    missing = client.get(f"/admin/events/{event['event_id']}/waivers/{uuid.uuid4()}")
    assert missing.status_code == 404


def test_a_renamed_trip_redirects_its_old_links(client: TestClient, store: Store) -> None:
    event = add_event(store)
    store.events.table.put_item(Item={"event_id": "2026-05-23", "moved_to": event["event_id"]})
    for suffix in ("", "/waiver"):
        response = client.get(f"/g/2026-05-23{suffix}", follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["location"] == f"/g/{event['event_id']}{suffix}"


def test_after_signing_the_form_asks_before_a_fresh_copy(client: TestClient, store: Store) -> None:
    """Back after signing (or the trip's link again) never gets the form the browser
    would refill with the signed one's entries: it says the waiver is signed and offers
    a fresh form for another guest; another browser still gets the form."""
    event = add_event(store)
    event_id = event["event_id"]
    signed = sign(client, event_id)
    waiver_id = signed.headers["location"].rsplit("/", 1)[1]
    again = client.get(f"/g/{event_id}/waiver")
    assert again.status_code == 200 and again.headers["cache-control"] == "no-store"
    assert "Waiver already signed" in again.text and waiver_id[:8].upper() in again.text
    assert 'name="full_name"' not in again.text
    another = f"/g/{event_id}/waiver?after={waiver_id}"
    assert f'href="{another}"' in again.text
    fresh = client.get(another)
    assert 'name="full_name"' in fresh.text and waiver_id not in fresh.text
    with TestClient(client.app) as other_browser:
        assert 'name="full_name"' in other_browser.get(f"/g/{event_id}/waiver").text


def test_the_operator_is_named_on_patron_pages(client: TestClient, store: Store) -> None:
    event = add_event(store, first_name="Zoe")
    trip = client.get(f"/g/{event['event_id']}").text
    assert "Welcome aboard, Zoe’s party" in trip and "your charter operator" in trip
    # The main action comes before the trip's details.
    assert trip.index("Sign the waiver") < trip.index("Trip details")
    assert "your charter operator" in client.get(f"/g/{event['event_id']}/waiver").text


@pytest.fixture
def contact_client(store_with: Callable[..., Store]) -> Iterator[tuple[TestClient, Store]]:
    store = store_with(SCC_OPERATOR_PHONE="415 555 0100", SCC_OPERATOR_EMAIL="trips@example.com")
    settings = store.settings
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client, store


def _cancel(store: Store, event_id: str) -> None:
    store.events.table.update_item(
        Key={"event_id": event_id},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "cancelled"},
    )


CONTACT = (
    '<a href="tel:4155550100">415 555 0100</a>',
    '<a href="mailto:trips@example.com">trips@example.com</a>',
)
PACKING = "Warm layers and a waterproof jacket"
NEEDS_WAIVER = "Every guest needs a signed waiver"


@pytest.mark.parametrize("stage", ["upcoming", "today", "past-open", "past-closed", "cancelled"])
def test_the_trip_page_says_what_is_true_for_the_trip_now(
    contact_client: tuple[TestClient, Store], stage: str
) -> None:
    """Issue 24 item 14: only a trip ahead asks every guest for a waiver and gives packing
    advice; a past one offers the waiver only while it is open (never a button to "No
    longer open"); a cancelled one says so; each says how to reach the operator."""
    client, store = contact_client
    close = store.settings.waiver_close_days
    days = {"upcoming": 3, "today": 0, "past-open": -1, "past-closed": -(close + 1)}
    event = add_event(store, days_ahead=days.get(stage, 2), first_name="Zoe")
    if stage == "cancelled":
        _cancel(store, event["event_id"])
    page = client.get(f"/g/{event['event_id']}")
    assert page.status_code == 200
    text = page.text
    for link in CONTACT:
        assert link in text, stage
    waiver_link = f'href="/g/{event["event_id"]}/waiver"'
    if stage in ("upcoming", "today"):
        assert "Welcome aboard, Zoe’s party" in text
        assert NEEDS_WAIVER in text and PACKING in text and waiver_link in text
        assert ("Your trip is today at 9:30 am" in text) == (stage == "today")
    else:
        assert "Welcome aboard" not in text and NEEDS_WAIVER not in text
        assert PACKING not in text and "arrive 15 minutes" not in text
    if stage == "cancelled":
        assert "Trip cancelled" in text and "was cancelled" in text
        assert waiver_link not in text
    if stage == "past-open":
        assert "Thank you for sailing with us" in text and "can still be signed until" in text
        assert waiver_link in text
        assert client.get(f"/g/{event['event_id']}/waiver").status_code == 200
    if stage == "past-closed":
        assert "its waiver is closed" in text and waiver_link not in text
    # Every link the page offers leads somewhere open.
    for href in re.findall(r'href="(/g/[^"]+)"', text):
        assert client.get(href).status_code == 200, href


def test_every_patron_page_says_how_to_reach_the_operator(
    contact_client: tuple[TestClient, Store],
) -> None:
    client, store = contact_client
    event = add_event(store, first_name="Zoe")
    event_id = event["event_id"]
    form = client.get(f"/g/{event_id}/waiver")
    signed = sign(client, event_id)
    assert signed.status_code == 303
    pages = {
        "waiver form": form,
        "signed": client.get(signed.headers["location"]),
        "signed here": client.get(f"/g/{event_id}/waiver"),
    }
    past = add_event(store, days_ahead=-(store.settings.waiver_close_days + 1), first_name="Old")
    pages["closed waiver"] = client.get(f"/g/{past['event_id']}/waiver")
    assert pages["closed waiver"].status_code == 410
    for name, page in pages.items():
        for link in CONTACT:
            assert link in page.text, name
    # Not on the crew's pages: they know the operator.
    assert "trips@example.com" not in client.get("/login").text
