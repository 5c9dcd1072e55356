"""The float plan through the app, JavaScript off (plain POST, then 303): Depart from
the manifest, Running late, Back at the dock, and the dashboard's state at a glance."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from server.domain.clock import as_utc as parse_utc
from server.domain.clock import human_time, utc_iso, utc_now_iso
from server.notify.outbox import Notifier
from server.store import Store
from tests.conftest import HX, JSON, add_event, sign_in
from tests.helpers.flows import checked_in_trip, depart, depart_form
from tests.helpers.typed import found


def actions(store: Store) -> list[str]:
    return [str(a["action"]) for a in store.audit.on_day(utc_now_iso()[:10])]


def test_crew_departs_once_from_the_form_and_the_dashboard_shows_the_trip_out(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    event_id = checked_in_trip(client, store)
    manifest = client.get(f"/dispatch/events/{event_id}/manifest").text
    assert "Not departed" in manifest and f"/dispatch/events/{event_id}/depart" in manifest
    form = depart_form(client, event_id)
    # Start 09:30 + 2 hours; after the start, 2 hours from now (issue 26 item 1).
    zone = store.settings.timezone
    now = datetime.now(zone)
    if now.strftime("%H:%M") < "09:30":
        assert form["expected_back"] == "11:30"
    else:
        hour, minute = (int(p) for p in form["expected_back"].split(":"))
        prefilled = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if prefilled < now:
            prefilled += timedelta(days=1)  # past midnight
        assert timedelta(minutes=115) < prefilled - now <= timedelta(minutes=125)
    assert form["area"] == "Whale trip"
    # Two hours from now, local: always ahead (a time before the start is tomorrow's).
    back_by = datetime.now(store.settings.timezone) + timedelta(hours=2)
    form["expected_back"] = back_by.strftime("%H:%M")
    first = depart(client, event_id, form, area="Outer bay")
    assert first.status_code == 303 and first.headers["location"].endswith(event_id)
    replay = depart(client, event_id, form, area="Outer bay")
    assert replay.status_code == 303  # answered like the first
    item = found(store.events.get(event_id))
    plan = item["departure"]
    assert plan["area"] == "Outer bay" and plan["expected_back"].endswith("Z")
    assert [p["role"] for p in plan["aboard"]] == ["guest", "crew"]
    assert plan["aboard"][0]["has_emergency_contact"]
    queued = [n["notice_id"] for n in store.outbox.in_state("pending") if n["kind"] == "trip"]
    assert queued == [f"float:{plan['departure_id']}"]  # queued once (no Gmail here)
    assert actions(store).count("trip.departed") == 1
    dashboard = client.get("/dispatch").text
    shown = human_time(plan["expected_back"], store.settings.timezone)  # the day if not today
    assert re.search(f'Out · back by <time datetime="[^"]+">{shown}</time>', dashboard)
    assert "Back at the dock" in dashboard
    assert "Out · back by" not in client.get(f"/g/{event_id}").text  # patrons never see it


def test_nobody_checked_in_asks_for_confirmation_before_departing(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    event_id = str(add_event(store)["event_id"])
    form = depart_form(client, event_id)
    asked = depart(client, event_id, form)
    assert asked.status_code == 422 and "0 guests checked in — depart anyway?" in asked.text
    assert "departure" not in (store.events.get(event_id) or {})
    assert depart(client, event_id, form, confirm_empty="yes").status_code == 303


def test_a_cancelled_trip_or_another_day_s_trip_is_refused_with_a_reason(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    tomorrow = str(add_event(store, days_ahead=1)["event_id"])
    refused = depart(client, tomorrow, depart_form(client, tomorrow), confirm_empty="yes")
    assert refused.status_code == 409 and "not today" in refused.text
    as_json = client.post(
        f"/dispatch/events/{tomorrow}/depart",
        data={**depart_form(client, tomorrow), "confirm_empty": "yes"},
        headers=JSON,
    )
    assert as_json.status_code == 409 and "not today" in as_json.json()["error"]
    cancelled = str(add_event(store, first_name="Bo")["event_id"])
    form = depart_form(client, cancelled)
    store.events.set_status(cancelled, "cancelled")
    refused = depart(client, cancelled, form, confirm_empty="yes")
    assert refused.status_code == 409 and "cancelled" in refused.text
    hx = client.post(
        f"/dispatch/events/{cancelled}/depart",
        data={**form, "confirm_empty": "yes"},
        headers=HX,
    )
    assert hx.status_code == 409 and 'id="depart-form"' in hx.text and "<html" not in hx.text


def test_an_overdue_trip_is_red_on_top_until_it_is_back_at_the_dock(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    event_id = checked_in_trip(client, store)
    add_event(store, first_name="Zed", start_time="08:00")  # listed first by time
    assert depart(client, event_id, depart_form(client, event_id)).status_code == 303
    item = found(store.events.get(event_id))
    expected = parse_utc(item["departure"]["expected_back"]).timestamp()
    late = expected + 31 * 60
    assert Notifier(store, None, clock=lambda: late).mark_overdue_trips() == 1
    dashboard = client.get("/dispatch").text
    assert 'class="overdue-banner" role="alert"' in dashboard
    assert dashboard.index("OVERDUE") < dashboard.index("Zed")
    departure_id = item["departure"]["departure_id"]

    stranger = TestClient(client.app)
    stranger_token = sign_in(stranger, store)
    forbidden = stranger.post(
        f"/dispatch/events/{event_id}/back",
        data={"csrf_token": stranger_token, "departure_id": departure_id},
        follow_redirects=False,
    )
    assert forbidden.status_code == 403

    back = {"csrf_token": token, "departure_id": departure_id, "from": "dispatch"}
    answer = client.post(f"/dispatch/events/{event_id}/back", data=back, follow_redirects=False)
    # Back on the board, which says the result by the card (issue 24 item 15: the page
    # it lands on focuses it), so the address names what was done, for which trip.
    landing = f"/dispatch?float=back&trip={event_id}"
    assert answer.status_code == 303 and answer.headers["location"] == landing
    said = client.get(landing).text
    assert re.search(
        r'<p class="notice float-done" role="status" tabindex="-1" autofocus>'
        r"Back at the dock saved for \w+’s trip, at <time",
        said,
    )
    again = client.post(f"/dispatch/events/{event_id}/back", data=back, follow_redirects=False)
    assert again.status_code == 303
    dashboard = client.get("/dispatch").text
    assert "overdue-banner" not in dashboard and "Back at the dock " in dashboard
    # The sweep's entry is stamped with its own (test) clock, maybe another UTC day.
    days = {utc_now_iso()[:10], utc_iso(late)[:10]}
    logged = [str(a["action"]) for d in days for a in store.audit.on_day(d)]
    assert sorted(a for a in logged if a.startswith("trip.")) == [
        "trip.departed",
        "trip.overdue",
        "trip.returned",
    ]


def test_running_late_moves_the_return_thirty_minutes_once_per_tap(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    event_id = checked_in_trip(client, store, start_time="23:00")
    assert depart(client, event_id, depart_form(client, event_id)).status_code == 303
    plan = found(store.events.get(event_id))["departure"]
    late = {
        "csrf_token": token,
        "departure_id": plan["departure_id"],
        "expected_back": plan["expected_back"],
    }
    for _ in range(2):  # a double tap
        answer = client.post(f"/dispatch/events/{event_id}/late", data=late, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/dispatch/events/{event_id}?float=late"
    moved = found(store.events.get(event_id))["departure"]["expected_back"]
    said = client.get(f"/dispatch/events/{event_id}?float=late").text
    assert "Running late saved: Alice’s trip is now expected back by <time" in said
    assert said.count("autofocus") == 1
    assert parse_utc(moved).timestamp() - parse_utc(plan["expected_back"]).timestamp() == 1800
    assert actions(store).count("trip.extended") == 1
    assert time.time() < parse_utc(moved).timestamp()


def test_a_return_time_gone_by_shows_overdue_at_once_before_the_sweep(
    client: TestClient, store: Store
) -> None:
    # Depart refuses a return already past (issue 26), so the trip departs in time and
    # its return then goes by (written straight to the stored plan: a day of waiting).
    sign_in(client, store)
    event_id = checked_in_trip(client, store)
    form = {**depart_form(client, event_id)}
    assert depart(client, event_id, form).status_code == 303
    gone_by = utc_iso(datetime.now(UTC) - timedelta(hours=1))
    store.events.table.update_item(
        Key={"event_id": event_id},
        UpdateExpression="SET departure.expected_back = :b",
        ExpressionAttributeValues={":b": gone_by},
    )
    item = found(store.events.get(event_id))
    assert "overdue_at" not in item  # not marked: that is the sweep's, with the alarm
    dashboard = client.get("/dispatch").text
    assert 'class="overdue-banner" role="alert"' in dashboard
    assert f'expected back <time datetime="{gone_by}">' in dashboard
