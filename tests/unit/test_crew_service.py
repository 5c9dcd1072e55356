"""Assigning crew and taking them off a trip (server/services/crew.py) against the
in-memory fakes: what is stored, what the audit says, and every refusal's message and
status (nothing written)."""

from __future__ import annotations

from typing import Any

from server.services.crew import CLOSED, DEPARTED, assign, unassign
from server.services.results import Refused
from tests.helpers.crew_fakes import FakeAccounts, FakeCrewEvents
from tests.helpers.fakes import FakeAudit

NOW = "2026-07-04T15:00:00Z"
ACCOUNTS = FakeAccounts(
    {"email": "mara@x.com", "name": "Mara Lee"},
    {"email": "dan@x.com"},
    {"email": "gone@x.com", "name": "Gone", "disabled": True},
)


def trip(**extra: Any) -> FakeCrewEvents:
    return FakeCrewEvents({"event_id": "e1", "name": "Sunset", **extra})


def test_assigning_stores_the_crew_member_by_name_and_audits_it() -> None:
    events, audit = trip(), FakeAudit()
    answer = assign(
        events,
        ACCOUNTS,
        audit,
        event_id="e1",
        email="mara@x.com",
        role="master",
        actor="cap@x.com",
        now=NOW,
    )
    crew = [{"email": "mara@x.com", "role": "master", "name": "Mara Lee"}]
    assert not isinstance(answer, Refused)
    assert answer["crew_assigned"] == crew
    assert events.items["e1"]["crew_assigned"] == crew
    assert audit.records == [(NOW, "cap@x.com", "crew.assigned", "e1", "mara@x.com as master")]


def test_an_account_without_a_name_is_named_by_its_email() -> None:
    events, audit = trip(), FakeAudit()
    answer = assign(
        events,
        ACCOUNTS,
        audit,
        event_id="e1",
        email="dan@x.com",
        role="deckhand",
        actor="cap@x.com",
        now=NOW,
    )
    assert not isinstance(answer, Refused)
    assert answer["crew_assigned"] == [
        {"email": "dan@x.com", "role": "deckhand", "name": "dan@x.com"}
    ]
    assert audit.records[0][4] == "dan@x.com as deckhand"


def test_a_role_or_account_that_cannot_crew_is_refused_and_nothing_written() -> None:
    for email, role, errors in (
        ("mara@x.com", "purser", {"role": "Choose master or deckhand."}),
        ("", "master", {"email": "Choose an enabled crew account."}),
        ("who@x.com", "master", {"email": "Choose an enabled crew account."}),
        ("gone@x.com", "deckhand", {"email": "Choose an enabled crew account."}),
    ):
        events, audit = trip(), FakeAudit()
        answer = assign(
            events, ACCOUNTS, audit, event_id="e1", email=email, role=role, actor="c", now=NOW
        )
        assert answer == Refused(errors, 422), email
        assert events.writes == 0 and audit.records == []


def test_a_missing_departed_or_closed_trip_is_refused_with_its_status() -> None:
    departed = trip(departure={"at": NOW})
    closed = trip(
        crew_assigned=[{"email": "mara@x.com", "role": "master", "name": "M"}],
        renaming_to="e2",  # being renamed: closed to writes
    )
    for events, event_id, expected in (
        (trip(), "nope", Refused({"form": "There is no such trip."}, 404)),
        (departed, "e1", Refused({"form": DEPARTED}, 409)),
        (closed, "e1", Refused({"form": CLOSED}, 409)),
    ):
        audit = FakeAudit()
        answer = assign(
            events,
            ACCOUNTS,
            audit,
            event_id=event_id,
            email="mara@x.com",
            role="master",
            actor="c",
            now=NOW,
        )
        assert answer == expected
        assert audit.records == []
        gone = unassign(events, audit, event_id=event_id, email="mara@x.com", actor="c", now=NOW)
        assert gone == expected
        assert events.writes == 0 and audit.records == []


def test_taking_someone_off_stores_the_rest_and_audits_it() -> None:
    crew = [
        {"email": "mara@x.com", "role": "master", "name": "Mara Lee"},
        {"email": "dan@x.com", "role": "deckhand", "name": "Dan"},
    ]
    events, audit = trip(crew_assigned=crew), FakeAudit()
    answer = unassign(events, audit, event_id="e1", email="mara@x.com", actor="cap@x.com", now=NOW)
    assert not isinstance(answer, Refused)
    assert answer["crew_assigned"] == [crew[1]]
    assert events.items["e1"]["crew_assigned"] == [crew[1]]
    assert audit.records == [(NOW, "cap@x.com", "crew.unassigned", "e1", "mara@x.com")]


def test_taking_off_someone_not_assigned_is_refused_by_name() -> None:
    events, audit = trip(), FakeAudit()
    answer = unassign(events, audit, event_id="e1", email="dan@x.com", actor="c", now=NOW)
    assert answer == Refused({"email": "dan@x.com is not assigned to this trip."}, 422)
    answer = unassign(events, audit, event_id="e1", email="", actor="c", now=NOW)
    assert answer == Refused({"email": "That account is not assigned to this trip."}, 422)
    assert events.writes == 0 and audit.records == []
