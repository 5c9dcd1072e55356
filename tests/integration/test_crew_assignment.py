"""Crew on a trip (issue 27 items 1, 2 and 4) against dynalite: the captain assigns and
reassigns until departure, every change audited; `scc events assign|unassign`; the
crew's "my trips"; credentials and the warnings they feed."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from server.__main__ import main
from server.domain.boats import Boat
from server.domain.clock import today_in, utc_now_iso
from server.domain.crew_roles import CrewChange, with_assignment
from server.domain.records import CrewEntry, Event
from server.store import Store
from tests.conftest import add_event, add_user, sign_in
from tests.helpers.flows import departure
from tests.helpers.typed import found

MASTER = "mara@example.com"
DECK = "dex@example.com"


@pytest.fixture
def crew_accounts(store: Store) -> None:
    add_user(store, MASTER, name="Mara Master")
    add_user(store, DECK, name="Dex Deck")


def assign(client: TestClient, token: str, event_id: str, email: str, role: str) -> Any:
    data = {"email": email, "role": role, "csrf_token": token}
    return client.post(f"/admin/events/{event_id}/crew", data=data, follow_redirects=False)


def actions(store: Store) -> list[tuple[str, str, str]]:
    """The crew records of the audit (partitioned by the UTC day of `at`)."""
    return sorted(
        (str(r["action"]), str(r["target"]), str(r["detail"]))
        for r in store.audit.on_day(utc_now_iso()[:10])
        if str(r["action"]).startswith("crew.")
    )


def test_the_captain_assigns_a_master_and_a_deckhand_and_each_is_audited(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    event_id = add_event(store)["event_id"]
    answer = assign(client, token, event_id, MASTER, "master")
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=assigned#crew")
    assert assign(client, token, event_id, DECK, "deckhand").status_code == 303
    stored = found(store.events.get(event_id))
    assert stored["crew_assigned"] == [
        {"email": MASTER, "role": "master", "name": "Mara Master"},
        {"email": DECK, "role": "deckhand", "name": "Dex Deck"},
    ]
    assert actions(store) == [
        ("crew.assigned", event_id, f"{DECK} as deckhand"),
        ("crew.assigned", event_id, f"{MASTER} as master"),
    ]
    page = client.get(f"/admin/events/{event_id}/edit").text
    assert 'Mara Master</span> · <span class="crew-role">Master' in page
    assert 'Dex Deck</span> · <span class="crew-role">Deckhand' in page
    # The audit page words it for people.
    assert "assigned crew to trip" in client.get("/admin/audit").text


def test_a_new_master_demotes_the_old_one_and_unassign_takes_off(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    event_id = add_event(store)["event_id"]
    assign(client, token, event_id, MASTER, "master")
    assign(client, token, event_id, DECK, "master")
    roles = {c["email"]: c["role"] for c in found(store.events.get(event_id))["crew_assigned"]}
    assert roles == {DECK: "master", MASTER: "deckhand"}
    data = {"email": MASTER, "csrf_token": token}
    gone = client.post(f"/admin/events/{event_id}/crew/remove", data=data, follow_redirects=False)
    assert gone.status_code == 303
    assert [c["email"] for c in found(store.events.get(event_id))["crew_assigned"]] == [DECK]
    assert ("crew.unassigned", event_id, MASTER) in actions(store)


def test_assignment_is_refused_once_the_trip_has_departed(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    event_id = add_event(store)["event_id"]
    assign(client, token, event_id, MASTER, "master")
    store.events.depart(event_id, departure())
    before = actions(store)
    refused = assign(client, token, event_id, DECK, "deckhand")
    assert refused.status_code == 409
    assert "This trip has departed" in refused.text
    removed = client.post(
        f"/admin/events/{event_id}/crew/remove", data={"email": MASTER, "csrf_token": token}
    )
    assert removed.status_code == 409
    assert found(store.events.get(event_id))["crew_assigned"] == [
        {"email": MASTER, "role": "master", "name": "Mara Master"}
    ]
    assert actions(store) == before  # nothing audited: nothing changed
    # The page no longer offers the forms.
    page = client.get(f"/admin/events/{event_id}/edit").text
    assert "This trip has departed: its crew aboard is recorded" in page
    assert f"/admin/events/{event_id}/crew" not in page


def test_bad_assignments_answer_422_next_to_the_field(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    event_id = add_event(store)["event_id"]
    unknown = assign(client, token, event_id, "nobody@example.com", "master")
    assert unknown.status_code == 422
    assert 'id="email-error">Choose an enabled crew account.' in unknown.text
    role = assign(client, token, event_id, DECK, "purser")
    assert role.status_code == 422 and 'id="role-error">Choose master or deckhand.' in role.text
    assert "crew_assigned" not in (store.events.get(event_id) or {})
    assert assign(client, token, "2030-01-01-nobody", DECK, "master").status_code == 404


def test_crew_cannot_assign(client: TestClient, store: Store, crew_accounts: None) -> None:
    token = sign_in(client, store, role="crew")
    event_id = add_event(store)["event_id"]
    assert assign(client, token, event_id, DECK, "master").status_code == 403


def test_the_new_event_form_assigns_its_crew(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    form = client.get("/admin/events/new").text
    assert 'name="crew_master"' in form and f'value="{DECK}"' in form
    day = today_in(store.settings.timezone).isoformat()
    data = {
        "date": day,
        "first_name": "Noa",
        "period": "",
        "total_price": "800",
        "crew_master": MASTER,
        "crew_deckhand": DECK,
        "csrf_token": token,
    }
    assert client.post("/admin/events", data=data, follow_redirects=False).status_code == 303
    stored = found(store.events.get(f"{day}-noa"))
    assert [(c["email"], c["role"]) for c in stored["crew_assigned"]] == [
        (MASTER, "master"),
        (DECK, "deckhand"),
    ]
    assert len(actions(store)) == 2


def test_scc_events_assign_and_unassign(
    store: Store, cli_env: None, crew_accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    event_id = add_event(store)["event_id"]
    assert main(["events", "assign", event_id, MASTER, "--role", "master"]) == 0
    assert main(["events", "assign", event_id, DECK.upper(), "--role", "deckhand"]) == 0
    assert f"master\t{MASTER}\ndeckhand\t{DECK}" in capsys.readouterr().out
    assert main(["events", "unassign", event_id, MASTER]) == 0
    assert [c["email"] for c in found(store.events.get(event_id))["crew_assigned"]] == [DECK]
    assert main(["events", "unassign", event_id, MASTER]) == 1
    assert "is not assigned" in capsys.readouterr().err
    store.events.depart(event_id, departure())
    assert main(["events", "assign", event_id, MASTER, "--role", "master"]) == 1
    assert "has departed" in capsys.readouterr().err
    records = [r for r in store.audit.on_day(utc_now_iso()[:10]) if r["action"] != "event.created"]
    assert [r["action"] for r in records].count("crew.assigned") == 2
    assert {r["user"] for r in records} == {"scc-cli"}


# --- my trips --------------------------------------------------------------------------


def test_my_trips_first_all_trips_one_tap_away_each_card_naming_its_crew(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="crew")
    me = next(
        u["email"]
        for u in store.users.all()
        if u["role"] == "crew" and u["email"] not in (MASTER, DECK)
    )
    mine = add_event(store, first_name="Mine")["event_id"]
    other = add_event(store, first_name="Other")["event_id"]
    # Before anything is assigned to me: every trip, no tabs.
    page = client.get("/dispatch").text
    assert f"card-{mine}" in page and f"card-{other}" in page and "My trips" not in page
    store.events.change_crew(
        mine,
        lambda e: [
            {"email": me, "role": "deckhand", "name": "Pat Crew"},
            {"email": MASTER, "role": "master", "name": "Mara Master"},
        ],
    )
    store.events.change_crew(
        other, lambda e: [{"email": DECK, "role": "master", "name": "Dex Deck"}]
    )
    page = client.get("/dispatch").text
    assert f"card-{mine}" in page and f"card-{other}" not in page
    assert 'aria-current="page">My trips</a>' in page
    assert "Crew: Mara Master (master), Pat Crew" in page
    everything = client.get("/dispatch?trips=all").text
    assert f"card-{mine}" in everything and f"card-{other}" in everything
    assert 'aria-current="page">All trips</a>' in everything
    assert "Crew: Dex Deck (master)" in everything
    # The warnings are the captain's: a deckhand's trip page has none.
    assert "Check before the trip" not in client.get(f"/dispatch/events/{other}").text
    # Any crew member may still log a payment on any trip.
    data = {"payment_id": "7c1f3e2a-0000-4000-8000-000000000001", "amount": "10", "method": "cash"}
    paid = client.post(
        f"/api/events/{other}/payment",
        data={**data, "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert paid.status_code == 201


# --- credentials and warnings ----------------------------------------------------------


def test_credentials_form_stores_and_audits_and_refuses_a_bad_date(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    page = client.get("/admin/crew/credentials", params={"email": MASTER})
    assert page.status_code == 200 and "Credentials of Mara Master" in page.text
    bad = client.post(
        "/admin/crew/credentials",
        data={
            "email": MASTER,
            "uscg_type": "Master",
            "medical_expires": "2027-02-30",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert 'id="medical_expires-error">Medical certificate expiry: enter a date' in bad.text
    assert 'value="Master"' in bad.text  # what was typed stays
    assert "credentials" not in (store.users.get(MASTER) or {})
    good = client.post(
        "/admin/crew/credentials",
        data={
            "email": MASTER,
            "uscg_type": "Master",
            "uscg_expires": "2031-01-01",
            "medical_expires": "2031-01-01",
            "drug_testing": "yes",
            "drug_testing_date": "2025-01-10",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    stored = found(store.users.get(MASTER))["credentials"]
    assert stored["uscg_type"] == "Master" and stored["drug_testing"] is True
    records = store.audit.on_day(utc_now_iso()[:10])
    assert any(r["action"] == "account.credentials" and r["target"] == MASTER for r in records)
    assert (
        client.get("/admin/crew/credentials", params={"email": "no@example.com"}).status_code == 404
    )


def test_warnings_show_on_the_trip_the_days_list_and_expiries_on_the_desk(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    token = sign_in(client, store, role="captain")
    event_id = add_event(store, days_ahead=3)["event_id"]
    edit = client.get(f"/admin/events/{event_id}/edit").text
    assert "No master is assigned to this trip." in edit
    assert "No master is assigned to this trip." in client.get("/admin/events").text
    trip_page = client.get(f"/dispatch/events/{event_id}").text
    assert "No master is assigned to this trip." in trip_page
    assert f'href="/admin/events/{event_id}/edit#crew">Assign crew' in trip_page
    soon = (today_in(store.settings.timezone)).isoformat()
    store.users.set_credentials(
        MASTER,
        {
            "uscg_type": "OUPV",
            "uscg_expires": soon,
            "medical_expires": "2031-01-01",
            "drug_testing": True,
        },
    )
    answer = assign(client, token, event_id, MASTER, "master")
    assert answer.status_code == 303  # a warning never blocks
    edit = client.get(f"/admin/events/{event_id}/edit").text
    assert "No master is assigned" not in edit
    assert f"Master Mara Master&#39;s USCG credential expires {soon}, before the trip." in edit
    assign(client, token, event_id, DECK, "deckhand")
    listing = client.get("/admin/events").text
    assert "Dex Deck is not enrolled in drug testing." in listing
    assert "Credentials expiring within 30 days" in listing
    assert "Mara Master: USCG credential expires" in listing


def test_fewer_assigned_than_the_boats_minimum_crew_is_warned(
    client: TestClient, store: Store, crew_accounts: None
) -> None:
    """The boat chosen from the captain's list (issue 26) says its minimum crew; a trip
    with fewer assigned is warned about on its page, and the warning goes once enough
    crew are assigned. A trip whose boat is free text gets no such warning."""
    store.boats.add(Boat("heron", "Heron", "", 6, 2, "", ""))
    token = sign_in(client, store, role="captain")
    event_id = add_event(store, days_ahead=3, boat_id="heron")["event_id"]
    free_text = add_event(store, days_ahead=3, first_name="Bea")["event_id"]
    assign(client, token, event_id, MASTER, "master")
    assign(client, token, free_text, MASTER, "master")
    warning = "Only 1 crew assigned; the boat needs at least 2."
    assert warning in client.get(f"/admin/events/{event_id}/edit").text
    assert "the boat needs at least" not in client.get(f"/admin/events/{free_text}/edit").text
    assign(client, token, event_id, DECK, "deckhand")
    assert "the boat needs at least" not in client.get(f"/admin/events/{event_id}/edit").text


def test_two_changes_at_once_both_land(store: Store, crew_accounts: None) -> None:
    """A change that lands between another's read and its write makes that write's
    condition fail; it reads again and applies itself on top: neither is lost."""
    event_id = add_event(store)["event_id"]
    raced: list[CrewChange] = []

    def slow(event: Event) -> list[CrewEntry]:
        if not raced:  # the other change lands after this one read the trip
            outcome, _ = store.events.change_crew(
                event_id, lambda e: with_assignment(e, DECK, "Dex Deck", "deckhand")
            )
            raced.append(outcome)
        return with_assignment(event, MASTER, "Mara Master", "master")

    outcome, item = store.events.change_crew(event_id, slow)
    assert raced == [CrewChange.SAVED] and outcome is CrewChange.SAVED
    stored = found(store.events.get(event_id))
    assert [(c["email"], c["role"]) for c in stored["crew_assigned"]] == [
        (MASTER, "master"),
        (DECK, "deckhand"),
    ]
    assert stored["crew_version"] == 2 and item is not None
