"""Issue 26 items 1-4 through the app (dynalite, JavaScript off unless HX): a late
departure is prefilled from now and a past return refused; Back at the dock asks
first and can be undone; the float plan shows on the card and trip page; the captain's
Emails page names each notice."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import as_utc, utc_iso
from server.domain.records import Event
from server.notify.outbox import Notifier
from server.store import Store
from tests.conftest import HX, add_event, sign_in
from tests.helpers.flows import checked_in_trip, depart, depart_form
from tests.helpers.typed import found

USCG = "+1 415 399 3547"


def late_start(store: Store, minutes: int = 90) -> str:
    """A start `minutes` ago today (local; midnight when that is yesterday)."""
    now = datetime.now(store.settings.timezone)
    start = max(now - timedelta(minutes=minutes), now.replace(hour=0, minute=0))
    return start.strftime("%H:%M")


def test_a_trip_leaving_90_minutes_late_is_prefilled_from_now_and_departs_out(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    event_id = checked_in_trip(client, store, start_time=late_start(store), duration_minutes=120)
    now = datetime.now(store.settings.timezone)
    form = depart_form(client, event_id)
    hour, minute = (int(p) for p in form["expected_back"].split(":"))
    prefilled = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if prefilled < now:
        prefilled += timedelta(days=1)  # after midnight
    # now + 2 hours, rounded up to 5 minutes: never the start + 2 hours (30 min ago).
    assert timedelta(minutes=119) < prefilled - now <= timedelta(minutes=125)
    assert prefilled.minute % 5 == 0
    assert depart(client, event_id, form).status_code == 303
    dashboard = client.get("/dispatch").text
    assert "overdue-banner" not in dashboard and "Out · back by" in dashboard


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize("minutes_ahead", [-60, 0, 20, 30])
def test_a_return_already_past_or_within_the_grace_is_refused_next_to_the_field(
    client: TestClient, store: Store, headers: dict[str, str], minutes_ahead: int
) -> None:
    sign_in(client, store)
    event_id = checked_in_trip(client, store, start_time="00:00")
    zone = store.settings.timezone
    back = datetime.now(zone) + timedelta(minutes=minutes_ahead)
    if back.date() != datetime.now(zone).date() and minutes_ahead < 0:
        back = datetime.now(zone).replace(hour=0, minute=1)  # just after midnight
    form = {**depart_form(client, event_id), "expected_back": back.strftime("%Y-%m-%dT%H:%M")}
    url = f"/dispatch/events/{event_id}/depart"
    answer = client.post(url, data=form, headers=headers, follow_redirects=False)
    assert answer.status_code == 422
    field_error = re.search(r'id="expected_back-error"[^>]*>([^<]+)<', answer.text)
    assert field_error and "would be overdue as it leaves" in field_error.group(1)
    assert 'aria-invalid="true"' in answer.text
    assert "departure" not in (store.events.get(event_id) or {})  # nothing stored


def test_a_return_just_beyond_the_grace_departs(client: TestClient, store: Store) -> None:
    sign_in(client, store)
    event_id = checked_in_trip(client, store, start_time="00:00")
    back = datetime.now(store.settings.timezone) + timedelta(minutes=33)
    form = {**depart_form(client, event_id), "expected_back": back.strftime("%Y-%m-%dT%H:%M")}
    assert depart(client, event_id, form).status_code == 303


def _departed(client: TestClient, store: Store) -> tuple[str, Event]:
    event_id = checked_in_trip(client, store, start_time=late_start(store))
    assert (
        depart(client, event_id, depart_form(client, event_id), area="Outer bay").status_code == 303
    )
    item = found(store.events.get(event_id))
    return event_id, item


def test_back_asks_first_naming_the_trip_and_who_is_aboard(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    event_id, item = _departed(client, store)
    guest = [p["name"] for p in item["departure"]["aboard"] if p["role"] == "guest"][0]
    departure_id = item["departure"]["departure_id"]
    card = client.get(f"/dispatch/events/{event_id}").text
    # With JavaScript: the dialog's box beside the button; without: the page.
    assert f'data-confirm="confirm-back-{event_id}"' in card
    assert f'<template id="confirm-back-{event_id}">' in card
    page = client.get(f"/dispatch/events/{event_id}/back?departure_id={departure_id}")
    assert page.status_code == 200
    assert re.search(
        r"<h1 class=\"confirm-title\">Back at the dock: Alice · whale\?</h1>", page.text
    )
    assert f"Aboard: 1 guest ({guest}); crew: Pat Crew" in page.text
    assert "You can undo this for 10 minutes" in page.text
    assert f'action="/dispatch/events/{event_id}/back"' in page.text
    assert "returned_at" not in (store.events.get(event_id) or {})  # asking saves nothing
    answer = client.post(
        f"/dispatch/events/{event_id}/back",
        data={"csrf_token": token, "departure_id": departure_id},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    again = client.get(f"/dispatch/events/{event_id}/back?departure_id={departure_id}")
    assert again.status_code == 409  # back already: nothing left to confirm


def test_undo_within_the_window_puts_the_trip_out_again_with_its_alarm(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    event_id, item = _departed(client, store)
    departure_id = str(item["departure"]["departure_id"])
    back = {"csrf_token": token, "departure_id": departure_id}
    assert (
        client.post(
            f"/dispatch/events/{event_id}/back", data=back, follow_redirects=False
        ).status_code
        == 303
    )
    returned = str(found(store.events.get(event_id))["returned_at"])
    landed = client.get(f"/dispatch/events/{event_id}?float=back").text
    assert 'class="notice float-done" role="status" tabindex="-1" autofocus' in landed
    assert f'name="returned_at" value="{returned}"' in landed and "Undo: not back yet" in landed
    undo = {**back, "returned_at": returned}
    answer = client.post(
        f"/dispatch/events/{event_id}/back/undo", data=undo, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/dispatch/events/{event_id}?float=undone"
    item = found(store.events.get(event_id))
    assert "returned_at" not in item and item["back_undone_of"] == returned
    # "Not back after all" is owed in the same write (and queued right after).
    ref = f"unback:{departure_id}:{returned}"
    assert ref in item.get("notices_owed", set()) or store.outbox.get(ref) is not None
    said = client.get(answer.headers["location"]).text
    assert "Undone: Alice’s trip is out again" in said and said.count("autofocus") == 1
    replay = client.post(
        f"/dispatch/events/{event_id}/back/undo", data=undo, follow_redirects=False
    )
    assert replay.status_code == 303  # answered like the first
    # The alarm is back: past its return + grace the sweep marks it overdue again.
    late = as_utc(str(item["departure"]["expected_back"])).timestamp() + 31 * 60
    assert Notifier(store, None, clock=lambda: late).mark_overdue_trips() == 1
    assert [a["action"] for a in store.audit.on_day(utc_iso(datetime.now(UTC))[:10])].count(
        "trip.back_undone"
    ) == 1


def test_undo_after_the_window_is_refused_and_changes_nothing(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    event_id, item = _departed(client, store)
    departure_id = str(item["departure"]["departure_id"])
    eleven_ago = utc_iso(datetime.now(UTC) - timedelta(minutes=11))
    store.events.mark_back(event_id, departure_id, "pat@example.com", eleven_ago)
    card = client.get(f"/dispatch/events/{event_id}").text
    assert "Undo: not back yet" not in card  # no button once the window has passed
    undo = {"csrf_token": token, "departure_id": departure_id, "returned_at": eleven_ago}
    answer = client.post(
        f"/dispatch/events/{event_id}/back/undo", data=undo, follow_redirects=False
    )
    assert answer.status_code == 409 and "Too late to undo" in answer.text
    assert found(store.events.get(event_id))["returned_at"] == eleven_ago


@pytest.fixture
def uscg_client(store_with: Callable[..., Store]) -> Iterator[tuple[TestClient, Store]]:
    store = store_with(SCC_USCG_SECTOR_PHONE=USCG, SCC_SHORE_CONTACT="harbour@example.org")
    with TestClient(create_app(store.settings, store)) as client:
        yield client, store


def test_the_card_and_trip_page_show_the_float_plan_and_what_to_do_when_overdue(
    uscg_client: tuple[TestClient, Store],
) -> None:
    client, store = uscg_client
    sign_in(client, store)
    event_id, item = _departed(client, store)
    guest = [p["name"] for p in item["departure"]["aboard"] if p["role"] == "guest"][0]
    for page in (client.get(f"/dispatch/events/{event_id}").text, client.get("/dispatch").text):
        facts = page[page.index('class="facts float-facts"') :]
        assert f"<dt>Aboard</dt><dd>1 guest: {guest}</dd>" in facts
        assert "<dt>Crew</dt><dd>Pat Crew (master)</dd>" in facts  # issue 26 item 7
        assert "<dt>Area</dt><dd>Outer bay</dd>" in facts
        assert re.search(r"<dt>Departed</dt><dd><time datetime=\"[^\"]+Z\">", facts)
        assert re.search(r"<dt>Expected back</dt><dd><time datetime=\"[^\"]+Z\">", facts)
        assert '<a href="mailto:harbour@example.org">harbour@example.org</a>' in facts
        assert "What to do now" not in page  # out, not overdue
    late = as_utc(str(item["departure"]["expected_back"])).timestamp() + 31 * 60
    assert Notifier(store, None, clock=lambda: late).mark_overdue_trips() == 1
    page = client.get(f"/dispatch/events/{event_id}").text
    help_ = page[page.index('class="overdue-help"') :]
    assert "Call the boat" in help_ and "Call the shore contact" in help_
    assert '<a href="tel:+14153993547">+1 415 399 3547</a>' in help_


def test_without_the_sector_setting_no_coast_guard_number_is_guessed(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    event_id, item = _departed(client, store)
    late = as_utc(str(item["departure"]["expected_back"])).timestamp() + 31 * 60
    assert Notifier(store, None, clock=lambda: late).mark_overdue_trips() == 1
    page = client.get(f"/dispatch/events/{event_id}").text
    help_ = page[
        page.index('class="overdue-help"') : page.index("</ol>", page.index("overdue-help"))
    ]
    assert "Call the boat" in help_ and "Coast Guard" not in help_ and "tel:" not in help_


def test_the_emails_page_names_each_notice_its_trip_and_recipients_overdue_standing_out(
    uscg_client: tuple[TestClient, Store],
) -> None:
    client, store = uscg_client
    sign_in(client, store)
    event_id, item = _departed(client, store)
    late = as_utc(str(item["departure"]["expected_back"])).timestamp() + 31 * 60
    sweep = Notifier(store, None, clock=lambda: late)  # no mailer: they wait, pending
    assert sweep.mark_overdue_trips() == 1 and sweep.collect() >= 1
    add_event(store, first_name="Zed")
    sign_in(client, store, role="captain")
    page = client.get("/admin/notifications").text
    rows = re.findall(r'<li class="payment notice-row notice-(\w+)[^"]*">(.*?)</li>', page, re.S)
    kinds = {kind: body for kind, body in rows}
    assert set(kinds) == {"float", "overdue", "waiver"}
    assert "<strong>Float plan</strong>" in kinds["float"]
    assert '<strong class="badge overdue">OVERDUE alert</strong>' in kinds["overdue"]
    assert "<strong>Waiver copy</strong>" in kinds["waiver"]
    signer = store.waivers.for_event(event_id)[0]["email"]
    assert f"to {signer}" in kinds["waiver"]
    for kind in ("float", "overdue"):
        assert "to harbour@example.org" in kinds[kind]
    for body in kinds.values():
        assert f">Alice · whale, {item['date']}</a>" in body and "Pending" in body
    assert f">{event_id}</a>" not in page  # the trip by name, not its raw id
