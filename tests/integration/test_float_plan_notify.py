"""The float plan's emails go through the outbox: never lost, never twice, with the
overdue alarm raised by the sweep on a controllable clock (no sleeping)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.domain.clock import utc_iso
from server.notify.failures import BACKOFF_SECONDS, MAX_ATTEMPTS
from server.notify.mailer import make_mailer
from server.notify.outbox import Notifier
from server.store import Store
from tests.conftest import add_event
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import departure, gmail_env, use_cli_env

HOUR = 3600.0


class Clock:
    """The notifier's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def subjects(fake: FakeGmail) -> list[str]:
    return [str(m["Subject"]).split(":")[0] for m in fake.messages]


def test_a_trip_that_goes_out_runs_late_and_comes_back_sends_three_emails_once(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    event_id = add_event(mail_store)["event_id"]
    back_by = utc_iso(clock.now + HOUR)
    plan = departure(expected_back=back_by, departed_at=utc_iso(clock.now))
    plan["aboard"] = [
        {
            "role": "guest",
            "name": "Ann Lee",
            "age": 40,
            "emergency_name": "Max Lee",
            "emergency_phone": "555 0100",
            "has_emergency_contact": True,
        },
        {"role": "crew", "name": "Pat Crew", "email": "pat@example.com"},
    ]
    mail_store.events.depart(event_id, plan)
    notifier.send_due()
    assert subjects(gmail) == ["Float plan"]
    first = text_of(gmail.messages[0])
    assert "Max Lee 555 0100" in first and "Aboard: 2" in first and "Back at the dock" in first
    assert gmail.messages[0]["To"] == "office@charter.example, captain@charter.example"

    clock.now += HOUR + 29 * 60  # within the grace: nothing
    notifier.send_due()
    clock.now += 2 * 60  # 31 minutes late
    notifier.send_due()
    notifier.send_due()
    assert subjects(gmail) == ["Float plan", "OVERDUE"]
    assert "Ann Lee" in text_of(gmail.messages[1])
    assert mail_store.events.get(event_id)["overdue_at"]  # type: ignore[index]

    returned = utc_iso(clock.now)
    mail_store.events.mark_back(event_id, plan["departure_id"], "pat@example.com", returned)
    notifier.send_due()
    notifier.send_due()
    assert subjects(gmail) == ["Float plan", "OVERDUE", "Back at the dock"]
    audit = mail_store.audit.on_day(utc_iso(clock.now)[:10])
    assert [a["action"] for a in audit] == ["trip.overdue"]


def test_running_late_before_the_alarm_tells_the_shore_contact_and_moves_it(
    store_with: Callable[..., Store],
    gmail: FakeGmail,  # noqa: F811
) -> None:
    store = store_with(**gmail_env(gmail), SCC_SHORE_CONTACT="harbour@example.org")
    settings = store.settings
    clock = Clock()
    notifier = Notifier(store, make_mailer(settings), clock=clock)
    event_id = add_event(store)["event_id"]
    back_by = utc_iso(clock.now + HOUR)
    plan = departure(expected_back=back_by, departed_at=utc_iso(clock.now))
    store.events.depart(event_id, plan)
    notifier.send_due()
    later = utc_iso(clock.now + HOUR + 1800)
    store.events.run_late(event_id, plan["departure_id"], back_by, later, utc_iso(clock.now))
    clock.now += HOUR + 31 * 60  # past the old time + grace, not the new one
    notifier.send_due()
    assert subjects(gmail) == ["Float plan", "Running late"]
    assert all(m["To"] == "harbour@example.org" for m in gmail.messages)


def test_two_sweeps_at_once_raise_one_overdue_alert(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
) -> None:
    clock = Clock()
    event_id = add_event(mail_store)["event_id"]
    plan = departure(expected_back=utc_iso(clock.now - HOUR), departed_at=utc_iso(clock.now))
    mail_store.events.depart(event_id, plan)
    senders = [Notifier(mail_store, make_mailer(mail_store.settings), clock=clock) for _ in "ab"]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda s: s.send_due(), senders))
    assert sorted(subjects(gmail)) == ["Float plan", "OVERDUE"]


def test_a_crash_after_the_departure_write_still_sends_the_float_plan_once(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from server.__main__ import main

    event_id = add_event(mail_store)["event_id"]
    plan = departure(expected_back=utc_iso(time.time() + HOUR))
    mail_store.events.depart(event_id, plan)  # ... and the process dies before any send
    use_cli_env(monkeypatch, mail_store, gmail)
    assert main(["outbox", "send"]) == 0
    assert main(["outbox", "send"]) == 0
    assert "1 sent" in capsys.readouterr().out
    assert subjects(gmail) == ["Float plan"]


def test_the_departure_write_s_stream_record_sends_the_float_plan_once(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
) -> None:
    from server.notify.stream import owed_by
    from tests.helpers.aws import record

    event_id = add_event(mail_store)["event_id"]
    old = mail_store.events.get(event_id)
    plan = departure(expected_back=utc_iso(time.time() + HOUR))
    new, _ = mail_store.events.depart(event_id, plan)
    written = record(mail_store, "events", {"event_id": event_id}, new, old)
    owed = owed_by(written, mail_store.settings)
    assert owed is not None and owed.refs == {f"float:{plan['departure_id']}"}
    notifier = Notifier(mail_store, make_mailer(mail_store.settings))
    for _ in range(2):  # Lambda delivers a record at least once
        notifier.send_each(notifier.collect_owed(owed))
    notifier.send_due()
    assert subjects(gmail) == ["Float plan"]


# --- one bad notice is that notice's failure alone (issue 24, item 4) --------------------------


def metric_lines(out: str, name: str) -> list[dict[str, object]]:
    return [line for line in map(json.loads, re.findall(r"^\{.*\}$", out, re.M)) if name in line]


def test_a_notice_that_cannot_be_built_never_delays_another_trip_s_overdue_alarm(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    # An older item the email templates cannot take: its departure time is not a time.
    bad_id = add_event(mail_store, first_name="Bad")["event_id"]
    bad = departure(expected_back=utc_iso(clock.now + 5 * HOUR), departed_at="at ten, ish")
    mail_store.events.depart(bad_id, bad)
    good_id = add_event(mail_store, first_name="Good")["event_id"]
    good = departure(expected_back=utc_iso(clock.now - HOUR), departed_at=utc_iso(clock.now))
    mail_store.events.depart(good_id, good)
    assert notifier.send_due() == {"sent": 2, "retry": 1}  # one sweep: no exception out
    assert sorted(subjects(gmail)) == ["Float plan", "OVERDUE"]
    assert all(good_id in str(m["Subject"]) for m in gmail.messages)
    notice = mail_store.outbox.get(f"float:{bad['departure_id']}")
    assert notice is not None and notice["state"] == "pending" and notice["attempts"] == 1
    assert re.fullmatch(
        r"the email could not be built: ValueError at \w+\.py:\d+", notice["last_error"]
    )
    assert metric_lines(capsys.readouterr().out, "NoticesFailed") == []
    for attempt in range(1, MAX_ATTEMPTS):  # each back-off, then one more attempt
        clock.now += BACKOFF_SECONDS * 2 ** (attempt - 1) + 1
        notifier.send_due()
    notice = mail_store.outbox.get(f"float:{bad['departure_id']}")
    assert notice is not None and notice["state"] == "failed"
    assert notice["attempts"] == MAX_ATTEMPTS
    [alarm] = metric_lines(capsys.readouterr().out, "NoticesFailed")
    assert alarm["NoticesFailed"] == 1
    assert len(gmail.messages) == 2  # nothing else went, nothing went twice
    clock.now += HOUR
    assert notifier.send_due() == {}  # failed stays failed until the captain resends


def test_one_trip_that_cannot_be_read_never_hides_another_trip_s_overdue_alarm(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    for name in ("Bad", "Good"):
        event_id = add_event(mail_store, first_name=name)["event_id"]
        back = utc_iso(clock.now - HOUR)
        mail_store.events.depart(event_id, departure(expected_back=back, departed_at=back))
    bad_id = next(
        str(e["event_id"]) for e in mail_store.events.scan_all() if e["patron_first_name"] == "Bad"
    )
    mail_store.events.table.update_item(  # an older item, written straight to the table
        Key={"event_id": bad_id},
        UpdateExpression="SET departure.expected_back = :garbage",
        ExpressionAttributeValues={":garbage": "teatime"},
    )
    assert notifier.mark_overdue_trips() == 1
    notifier.send_due()
    overdue = [m for m in gmail.messages if str(m["Subject"]).startswith("OVERDUE")]
    assert len(overdue) == 1 and bad_id not in str(overdue[0]["Subject"])


def test_a_last_attempt_that_died_mid_send_is_given_up_and_alarmed(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    event_id = add_event(mail_store)["event_id"]
    plan = departure(expected_back=utc_iso(clock.now + HOUR), departed_at=utc_iso(clock.now))
    mail_store.events.depart(event_id, plan)
    notifier.collect()
    notice_id = f"float:{plan['departure_id']}"
    # As a sender that claimed the last attempt and was killed before recording it.
    mail_store.outbox.table.update_item(
        Key={"notice_id": notice_id},
        UpdateExpression="SET attempts = :cap, lease_owner = :dead, lease_until = :until",
        ExpressionAttributeValues={
            ":cap": MAX_ATTEMPTS,
            ":dead": "killed",
            ":until": int(clock.now) + 60,
        },
    )
    assert notifier.send_due() == {}  # leased: the dead sender's lease still runs
    clock.now += 61
    assert notifier.send_due() == {"failed": 1}
    notice = mail_store.outbox.get(notice_id)
    assert notice is not None and notice["state"] == "failed" and "lease_owner" not in notice
    assert len(metric_lines(capsys.readouterr().out, "NoticesFailed")) == 1
    assert notifier.send_due() == {} and gmail.messages == []


def test_a_line_separator_stored_in_an_older_item_does_not_stop_its_email(
    mail_store: Store,  # noqa: F811
    gmail: FakeGmail,  # noqa: F811
) -> None:
    clock = Clock()
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=clock)
    event_id = add_event(mail_store)["event_id"]
    plan = departure(expected_back=utc_iso(clock.now + HOUR), departed_at=utc_iso(clock.now))
    mail_store.events.depart(event_id, plan)
    mail_store.events.table.update_item(  # what the cleaner let through before: U+2028
        Key={"event_id": event_id},
        UpdateExpression="SET departure.boat = :boat, patron_first_name = :name",
        ExpressionAttributeValues={":boat": "Sea\u2028Breeze\u2029", ":name": "Al\u2028ice"},
    )
    assert notifier.send_due() == {"sent": 1}
    [message] = gmail.messages
    assert str(message["Subject"]).startswith("Float plan: SeaBreeze out, back by ")
    assert "Breeze" in text_of(message)
