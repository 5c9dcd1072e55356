"""The trip log through the app on dynalite (issue 26 items 5-10): boats on the
captain's desk, the event's boat chosen from the list, and Depart refused past the
certificate's passenger limit, short of the minimum crew or without the safety
orientation, with the list stored on the departure and the trip log page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from server.domain.boats import Boat
from server.domain.records import Departure
from server.store import Store
from tests.conftest import add_event, add_user, sign_in
from tests.helpers.flows import checked_in_trip, depart, depart_form, sign
from tests.helpers.typed import found

OTTER = Boat("otter", "Sea Otter", "DOC 1234567", 1, 1, "32 ft sportfisher, white hull", "Moss")


def ahead(store: Store, form: dict[str, str], hours: int = 2) -> dict[str, str]:
    """The Depart form with an expected return `hours` from now (always ahead)."""
    back_by = datetime.now(store.settings.timezone) + timedelta(hours=hours)
    return {**form, "expected_back": back_by.strftime("%H:%M")}


def not_departed(store: Store, event_id: str) -> None:
    assert "departure" not in (store.events.get(event_id) or {})


def test_the_captain_adds_lists_and_edits_boats(client: TestClient, store: Store) -> None:
    token = sign_in(client, store, "captain")
    bad = client.post("/admin/boats", data={"csrf_token": token, "name": "", "passengers": "x"})
    assert bad.status_code == 422 and "Give the boat&#39;s name." in bad.text
    assert store.boats.all() == []
    added = client.post(
        "/admin/boats",
        data={
            "csrf_token": token,
            "name": "Sea Otter",
            "number": "DOC 1234567",
            "passengers": "6",
            "min_crew": "1",
            "description": "32 ft, white hull",
            "home_port": "Moss Landing",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    (boat,) = store.boats.all()
    assert (boat.name, boat.passengers, boat.min_crew) == ("Sea Otter", 6, 1)
    listing = client.get("/admin/boats").text
    assert "Up to 6 passengers · at least 1 crew" in listing and "32 ft, white hull" in listing
    edit = client.get(f"/admin/boats/{boat.boat_id}/edit")
    assert edit.status_code == 200 and 'value="DOC 1234567"' in edit.text
    changed = {"csrf_token": token, "name": "Sea Otter", "passengers": "12", "min_crew": "2"}
    saved = client.post(f"/admin/boats/{boat.boat_id}", data=changed, follow_redirects=False)
    assert saved.status_code == 303
    assert (store.boats.get(boat.boat_id) or OTTER).passengers == 12
    assert client.get("/admin/boats/nosuchboat/edit").status_code == 404


def test_the_event_s_boat_is_chosen_from_the_list_and_old_text_is_offered_to_map(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store, "captain")
    store.boats.add(OTTER)
    event = add_event(store, boat="Sea Otter")  # typed before the list existed
    edit = client.get(f"/admin/events/{event['event_id']}/edit").text
    assert "This trip's boat was typed as “Sea Otter”" in edit
    assert re.search(r'<option value="otter"\s+selected>Sea Otter', edit)  # offered
    form = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', edit))
    fields = ("start_time", "total_price", "boat")
    data = {"csrf_token": token, **{k: form.get(k, "") for k in fields}}
    unknown = client.post(f"/admin/events/{event['event_id']}", data={**data, "boat_id": "nope"})
    assert unknown.status_code == 422 and "Choose a boat from the list." in unknown.text
    mapped = client.post(
        f"/admin/events/{event['event_id']}",
        data={**data, "boat_id": "otter"},
        follow_redirects=False,
    )
    assert mapped.status_code == 303
    item = found(store.events.get(event["event_id"]))
    assert item["boat_id"] == "otter" and item["boat"] == "Sea Otter"
    store.boats.add(Boat("heron", "Heron", "", 6, 1, "", ""))
    renamed = {**data, "boat": "typed long ago", "boat_id": "heron"}
    assert client.post(f"/admin/events/{event['event_id']}", data=renamed).status_code == 200
    assert found(store.events.get(event["event_id"]))["boat"] == "Heron"  # shown everywhere


def test_more_guests_than_the_boat_s_passenger_limit_is_refused(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    store.boats.add(OTTER)  # at most 1 passenger
    event_id = checked_in_trip(client, store, boat_id="otter")
    assert sign(client, event_id, name="Carol Jones").status_code == 303
    for waiver in store.waivers.for_event(event_id):
        store.waivers.set_checkin(
            event_id, str(waiver["waiver_id"]), "signer", True, "crew@example.com", "2030-01-01"
        )
    refused = depart(client, event_id, ahead(store, depart_form(client, event_id)))
    assert refused.status_code == 422
    assert "2 guests checked in, but Sea Otter may carry at most 1 passengers." in refused.text
    not_departed(store, event_id)


def test_fewer_crew_than_the_boat_s_minimum_is_refused_then_departs_with_two(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    store.boats.add(Boat("heron", "Heron", "", 6, 2, "", ""))
    mate = add_user(store, "mate@example.com", name="Mo Mate")
    event_id = checked_in_trip(client, store, boat_id="heron")
    form = ahead(store, depart_form(client, event_id))
    refused = depart(client, event_id, form)
    assert refused.status_code == 422
    assert "Heron needs at least 2 crew aboard; 1 is ticked." in refused.text
    not_departed(store, event_id)
    page = client.get(f"/dispatch/events/{event_id}/depart").text
    (me,) = re.findall(r'name="crew" value="([^"]+)"\s+checked', page)
    departed = client.post(
        f"/dispatch/events/{event_id}/depart",
        data={**form, "crew": [me, mate], "master": mate, "orientation": "yes"},
        follow_redirects=False,
    )
    assert departed.status_code == 303
    plan = found(store.events.get(event_id))["departure"]
    assert plan["crew_aboard"] == [
        {"email": me, "name": "Pat Crew", "role": "deckhand"},
        {"email": mate, "name": "Mo Mate", "role": "master"},
    ]


def test_without_the_orientation_tick_depart_is_refused_on_the_same_screen(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    event_id = checked_in_trip(client, store)
    form = ahead(store, depart_form(client, event_id))
    refused = depart(client, event_id, form, orientation="")
    assert refused.status_code == 422
    assert 'id="orientation-error"' in refused.text
    assert "Give the passenger safety orientation before getting under way" in refused.text
    assert 'name="orientation" value="yes"' in refused.text  # tick it right there
    not_departed(store, event_id)
    assert depart(client, event_id, form).status_code == 303


def test_the_list_is_stored_with_the_departure_and_the_trip_log_shows_it(
    client: TestClient, store: Store
) -> None:
    token = sign_in(client, store)
    store.boats.add(Boat("otter", "Sea Otter", "DOC 1", 6, 1, "white hull", "Moss"))
    event_id = checked_in_trip(client, store, boat_id="otter")
    assert depart(client, event_id, ahead(store, depart_form(client, event_id))).status_code == 303
    plan: Departure = found(store.events.get(event_id))["departure"]
    (guest,) = [p for p in plan["aboard"] if p["role"] == "guest"]
    assert guest["name"] == "Alice Smith" and guest["emergency_name"] == "Bob Smith"
    assert plan["counts"] == {"guests": 1, "minors": 0, "crew": 1, "persons": 2}
    assert plan["boat_checked"]["passengers"] == 6 and plan["orientation"]["by"].endswith(".com")
    assert [c["role"] for c in plan["crew_aboard"]] == ["master"]

    late = {
        "csrf_token": token,
        "departure_id": plan["departure_id"],
        "expected_back": plan["expected_back"],
    }
    ran_late = client.post(f"/dispatch/events/{event_id}/late", data=late, follow_redirects=False)
    assert ran_late.status_code == 303

    captain = TestClient(client.app)
    sign_in(captain, store, "captain")
    log = captain.get(f"/admin/events/{event_id}/log")
    assert log.status_code == 200
    for shown in (
        "Sea Otter · DOC 1",
        "up to 6 passengers, at least 1 crew",
        "white hull",
        "Safety orientation given",
        "Departed",
        "Running late, now back by",
        "master",
        "Alice Smith",
        "Bob Smith, 555 987 6543",
        "Persons aboard: 2.",
    ):
        assert shown in log.text, shown
    day = captain.get("/admin/logs").text
    assert f"/admin/events/{event_id}/log" in day and "Out" in day
    assert captain.get("/admin/logs?date=2026-13-40").status_code == 422
    assert client.get(f"/admin/events/{event_id}/log").status_code == 403  # crew: no


def test_crew_aboard_is_prefilled_from_the_trip_s_assignment(
    client: TestClient, store: Store
) -> None:
    sign_in(client, store)
    add_user(store, "lee@example.com", name="Lee Master")
    add_user(store, "sam@example.com", name="Sam Deck")
    event_id = checked_in_trip(client, store)
    assigned = [
        {"email": "sam@example.com", "role": "deckhand"},
        {"email": "lee@example.com", "role": "master"},
    ]
    assert store.events.update_details(event_id, {"crew_assigned": assigned})
    page = client.get(f"/dispatch/events/{event_id}/depart").text
    assert sorted(re.findall(r'name="crew" value="([^"]+)"\s+checked', page)) == [
        "lee@example.com",
        "sam@example.com",
    ]
    assert re.findall(r'name="master" value="([^"]+)"\s+checked', page) == ["lee@example.com"]


def test_scc_boats_add_stores_a_boat_and_names_a_bad_field(
    store: Store, cli_env: None, capsys: Any
) -> None:
    from server.__main__ import main

    argv = ["boats", "add", "Sea Otter", "--passengers", "6", "--min-crew", "1"]
    assert main([*argv, "--number", "DOC 1", "--description", "white hull"]) == 0
    (boat,) = store.boats.all()
    assert (boat.name, boat.number, boat.passengers, boat.min_crew, boat.description) == (
        "Sea Otter",
        "DOC 1",
        6,
        1,
        "white hull",
    )
    assert f"added boat Sea Otter ({boat.boat_id})" in capsys.readouterr().out
    assert main(["boats", "add", "Heron", "--passengers", "0", "--min-crew", "1"]) == 2
    assert "error: passengers: Give a passenger limit from 1 to 150." in capsys.readouterr().err
    assert len(store.boats.all()) == 1


def test_the_demo_seed_lists_boats_and_keeps_one_trip_with_free_text_to_map(
    store: Store, tmp_path: Any
) -> None:
    from server.dev.seed import seed_demo

    seed_demo(store, tmp_path / "logins.txt")
    assert [b.name for b in store.boats.all()] == ["Orca", "Sea Lark"]
    events = store.events.scan_all()
    unmapped = [e for e in events if not e.get("boat_id")]
    assert [e["patron_first_name"] for e in unmapped] == ["Marco"]
    assert all(store.boats.get(str(e["boat_id"])) for e in events if e.get("boat_id"))
