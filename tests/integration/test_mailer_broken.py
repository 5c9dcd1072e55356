"""Issue 23 item 6: Gmail's `invalid_grant` (a refresh token expired after 7 days on a
"Testing" consent screen, or revoked) is loud and burns nothing. The real google-auth
client refreshes against the local token endpoint of tests/fake_gmail.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.notify.failures import MAX_ATTEMPTS
from server.notify.mailer import make_mailer
from server.notify.outbox import BROKEN_PAUSE_SECONDS, Notifier, payment_notice
from server.store import Store
from tests.conftest import JSON, add_event, sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import append_payment, later, pay, use_cli_env
from tests.helpers.template import resources
from tests.helpers.typed import found

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gmail() -> Iterator[FakeGmail]:
    """The Gmail stand-in refusing the token (`invalid_grant`); the shared `mail_store`
    and `mail_client` fixtures send through it."""
    fake = FakeGmail().start()
    fake.token_mode = "invalid_grant"
    try:
        yield fake
    finally:
        fake.stop()


def metrics(out: str, name: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [m for m in lines if name in m]


def sweep(store: Store, seconds_later: float) -> dict[str, int]:
    """One scheduled run (a new sender, as each Lambda sweep may be) that much later."""
    notifier = Notifier(store, make_mailer(store.settings), clock=lambda: later(seconds_later))
    return {str(outcome): count for outcome, count in notifier.send_due().items()}


def test_invalid_grant_marks_the_mailer_broken_alarms_and_burns_no_attempt(
    mail_client: TestClient,
    mail_store: Store,
    gmail: FakeGmail,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = add_event(mail_store)
    token = sign_in(mail_client, mail_store)
    response = pay(mail_client, event["event_id"], token, JSON, note="tip included", amount="40.50")
    assert response.status_code == 201  # the payment is stored whatever Gmail says
    notice_id = payment_notice(response.json()["payment"]["payment_id"])
    assert gmail.token_requests == 1 and gmail.send_requests == 0  # refused at the token

    notice = found(mail_store.outbox.get(notice_id))
    assert notice["state"] == "pending" and notice["attempts"] == 0  # not counted
    assert "invalid_grant" in notice["last_error"]
    broken = mail_store.outbox.mailer_broken()
    assert broken is not None and broken["mailer"] == "gmail"
    assert "invalid_grant" in broken["reason"] and "GMAIL_TOKEN" in broken["reason"]
    # The metric the alarm reads, with the alarm's dimension.
    [metric] = metrics(capsys.readouterr().out, "MailerBroken")
    assert metric["MailerBroken"] == 1
    assert metric["TablePrefix"] == mail_store.settings.table_prefix

    # Far more sweeps than the attempt cap: it never fails, it waits.
    for n in range(1, MAX_ATTEMPTS + 3):
        assert sweep(mail_store, 300 * n) == {"broken": 1}
    notice = found(mail_store.outbox.get(notice_id))
    assert notice["state"] == "pending" and notice["attempts"] == 0
    assert mail_store.outbox.in_state("failed") == []
    assert len(metrics(capsys.readouterr().out, "MailerBroken")) == MAX_ATTEMPTS + 2

    # The captain sees it, with what to do.
    sign_in(mail_client, mail_store, role="captain")
    page = mail_client.get("/admin/notifications").text
    assert "the mailer is broken" in page and "invalid_grant" in page
    assert "In production" in page and "InstalledAppFlow" in page  # the re-authorise command
    assert "GMAIL_TOKEN" in page and "scc deploy promote" in page
    assert "Failed (0)" in page and "Pending (1)" in page

    # Re-authorised: the next sweep sends it and the mark goes.
    gmail.token_mode = "ok"
    assert sweep(mail_store, 300 * (MAX_ATTEMPTS + 3)) == {"sent": 1}
    assert found(mail_store.outbox.get(notice_id))["state"] == "sent"
    assert found(mail_store.outbox.get(notice_id))["attempts"] == 1
    assert "$40.50" in text_of(gmail.messages[0])
    assert mail_store.outbox.mailer_broken() is None
    assert "the mailer is broken" not in mail_client.get("/admin/notifications").text


def test_one_refusal_pauses_the_sender_so_a_sweep_makes_one_token_request(
    mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store, total_price="1000")
    for i in range(4):
        append_payment(mail_store, event["event_id"], f"p{i}", f"{i + 1}.00")
    notifier = Notifier(mail_store, make_mailer(mail_store.settings))
    assert notifier.send_due() == {"broken": 4}
    assert gmail.token_requests == 1  # one probe, not one per notice
    assert [n["attempts"] for n in mail_store.outbox.in_state("pending")] == [0, 0, 0, 0]
    # Within the pause the same sender tries nothing; after it, it probes again.
    assert notifier.send_due() == {"broken": 4} and gmail.token_requests == 1
    notifier.clock = lambda: later(BROKEN_PAUSE_SECONDS + 1)
    gmail.token_mode = "ok"
    assert notifier.send_due() == {"sent": 4} and len(gmail.messages) == 4


def test_a_send_through_clears_a_mark_another_sender_left(
    mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    append_payment(mail_store, event["event_id"], "p1", "10.00")
    assert sweep(mail_store, 0) == {"broken": 1}
    first = mail_store.outbox.mailer_broken()
    assert sweep(mail_store, 300) == {"broken": 1}
    again = mail_store.outbox.mailer_broken()
    assert again is not None and first is not None
    assert again["broken_at"] == first["broken_at"] < again["last_seen_at"]  # since when
    gmail.token_mode = "ok"
    assert sweep(mail_store, 600) == {"sent": 1}
    assert mail_store.outbox.mailer_broken() is None


def test_scc_outbox_send_fails_loudly_while_the_mailer_is_broken(
    mail_store: Store,
    gmail: FakeGmail,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from server.__main__ import main

    event = add_event(mail_store)
    append_payment(mail_store, event["event_id"], "p1", "10.00")
    use_cli_env(monkeypatch, mail_store, gmail)
    assert main(["outbox", "send"]) == 1
    captured = capsys.readouterr()
    assert "1 broken" in captured.out
    assert "the mailer is broken" in captured.err and "invalid_grant" in captured.err


def test_the_mailer_broken_alarm_fires_on_the_first_refusal() -> None:
    alarms = [
        a["Properties"]
        for a in resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "MailerBroken"
    ]
    [alarm] = alarms
    assert alarm["Namespace"] == "ShipCaptainCrew"  # server.observe.NAMESPACE
    assert alarm["Dimensions"] == [{"Name": "TablePrefix", "Value": {"Fn::Sub": "scc-${Stage}-"}}]
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
    assert alarm["EvaluationPeriods"] == 1 and alarm["Period"] == 60  # at once
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_readme_says_in_production_not_testing() -> None:
    readme = (ROOT / "README.md").read_text()
    gmail = readme[readme.index("### Gmail") : readme.index("### Amazon SES")]
    assert "In production" in gmail and "7 days" in gmail
    assert not re.search(r"internal or testing|as a test user", gmail)
