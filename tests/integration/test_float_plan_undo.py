"""Undo of Back at the dock (issue 26 item 2): one conditional write whose condition
holds the 10-minute window, and the shore told "not back after all" only when it had
heard "back" (dynalite, the Gmail stand-in, a controllable clock)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from server.domain.clock import as_utc, utc_iso
from server.domain.float_plan import undo_back_cutoff
from server.notify.mailer import make_mailer
from server.notify.outbox import Notifier
from server.store import Store
from server.store.float_plans import TripWriteRefused
from tests.conftest import add_event, sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import BACK_BY, departure
from tests.helpers.typed import found

BACK_AT = "2030-01-01T19:50:00Z"


def _back(store: Store) -> tuple[str, str]:
    event_id = str(add_event(store)["event_id"])
    plan = departure()
    store.events.depart(event_id, plan)
    store.events.mark_back(event_id, plan["departure_id"], "pat@example.com", BACK_AT)
    return event_id, str(plan["departure_id"])


def at(text: str) -> datetime:
    return as_utc(text)


def test_undo_exactly_at_the_end_of_the_window_goes_through_and_replays(store: Store) -> None:
    event_id, dep = _back(store)
    now = at(BACK_AT) + timedelta(minutes=10)
    item, first = store.events.undo_back(
        event_id, dep, BACK_AT, undo_back_cutoff(now), utc_iso(now)
    )
    assert first and "returned_at" not in item and "returned_by" not in item
    assert item["departure"]["expected_back"] == BACK_BY  # the float plan as it was
    again, first = store.events.undo_back(event_id, dep, BACK_AT, undo_back_cutoff(now), "x")
    assert not first and again["back_undone_at"] == utc_iso(now)
    # The alarm is on again: the sweep may mark it overdue for the same return.
    assert store.events.mark_overdue(event_id, dep, BACK_BY, "2030-01-01T20:31:00Z")


def test_undo_a_second_after_the_window_is_refused(store: Store) -> None:
    event_id, dep = _back(store)
    now = at(BACK_AT) + timedelta(minutes=10, seconds=1)
    with pytest.raises(TripWriteRefused):
        store.events.undo_back(event_id, dep, BACK_AT, undo_back_cutoff(now), utc_iso(now))
    assert found(store.events.get(event_id))["returned_at"] == BACK_AT


def test_undo_of_another_back_or_departure_is_refused(store: Store) -> None:
    event_id, dep = _back(store)
    cutoff = undo_back_cutoff(at(BACK_AT))
    with pytest.raises(TripWriteRefused):  # a stale page: not the back it saw
        store.events.undo_back(event_id, dep, "2030-01-01T19:49:00Z", cutoff, "x")
    with pytest.raises(TripWriteRefused):
        store.events.undo_back(event_id, "another", BACK_AT, cutoff, "x")
    out = str(add_event(store, first_name="Out")["event_id"])
    plan = departure()
    store.events.depart(out, plan)
    with pytest.raises(TripWriteRefused):  # not back at all
        store.events.undo_back(out, plan["departure_id"], BACK_AT, cutoff, "x")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _out(store: Store, clock: Clock) -> tuple[str, str]:
    event_id = str(add_event(store)["event_id"])
    plan = departure(expected_back=utc_iso(clock.now + 3600), departed_at=utc_iso(clock.now))
    store.events.depart(event_id, plan)
    return event_id, str(plan["departure_id"])


def _undo(store: Store, event_id: str, dep: str, back_at: str) -> None:
    now = datetime.now(UTC)
    store.events.undo_back(event_id, dep, back_at, undo_back_cutoff(now), utc_iso(now))


def test_undo_after_the_back_email_went_out_tells_shore_not_back_after_all(
    mail_store: Store,
    gmail: FakeGmail,
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    event_id, dep = _out(mail_store, clock)
    back_at = utc_iso(clock.now)
    mail_store.events.mark_back(event_id, dep, "pat@example.com", back_at)
    notifier.send_due()
    # Both owed at once (a set): sent in either order.
    assert sorted(m["Subject"].split(":")[0] for m in gmail.messages) == [
        "Back at the dock",
        "Float plan",
    ]
    _undo(mail_store, event_id, dep, back_at)
    notifier.send_due()
    notifier.send_due()
    subjects = [m["Subject"] for m in gmail.messages]
    assert len(subjects) == 3 and subjects[2].startswith("Correction: Orca NOT back, still out")
    body = text_of(gmail.messages[2])
    assert "is NOT back at the dock" in body and "overdue alarm is on again" in body
    assert "Ann Lee" in body  # the float plan follows, as the shore needs it again
    # Back again later is news of its own (its ref names the new back time).
    clock.now += 60
    mail_store.events.mark_back(event_id, dep, "pat@example.com", utc_iso(clock.now))
    notifier.send_due()
    assert [m["Subject"].split(":")[0] for m in gmail.messages][-1] == "Back at the dock"
    assert len(gmail.messages) == 4


def test_undo_before_the_back_email_went_out_sends_neither(
    mail_store: Store,
    gmail: FakeGmail,
    mail_client: TestClient,
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    event_id, dep = _out(mail_store, clock)
    notifier.send_due()
    back_at = utc_iso(clock.now)
    mail_store.events.mark_back(event_id, dep, "pat@example.com", back_at)
    _undo(mail_store, event_id, dep, back_at)
    notifier.send_due()
    notifier.send_due()
    assert [m["Subject"].split(":")[0] for m in gmail.messages] == ["Float plan"]
    for ref in (f"back:{dep}:{back_at}", f"unback:{dep}:{back_at}"):
        notice = found(mail_store.outbox.get(ref))
        assert notice["state"] == "sent" and notice["not_needed"]  # done, not failed
        assert int(notice["attempts"]) <= 1
    sign_in(mail_client, mail_store, role="captain")
    page = mail_client.get("/admin/notifications").text
    assert "<strong>Not back after all (correction)</strong>" in page
    assert "<strong>Back at the dock</strong>" in page
    assert page.count("not sent, no longer needed") == 2
