"""Issue 23 item 7: Amazon SES as the second mailer (SCC_MAILER=ses), through the same
outbox, leases and backoff. The real boto3 sesv2 client sends to moto in-process
(identity verified, then the message read back from moto's SES backend) and, for
throttling and a paused account, to the local stand-in of tests/fake_ses.py."""

from __future__ import annotations

import email
import json
import time
from collections.abc import Callable, Iterator
from functools import partial

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from starlette.testclient import TestClient

from deploy.environment import merge_environment
from deploy.errors import DeployError
from server.app import create_app
from server.notify.failures import BACKOFF_SECONDS, MAX_ATTEMPTS
from server.notify.gmail import GmailMailer
from server.notify.mailer import make_mailer
from server.notify.outbox import Notifier, payment_notice
from server.notify.ses import SesMailer
from server.settings import Settings, SettingsError
from server.store import Store
from tests.conftest import JSON, SECRET, add_event, sign_in
from tests.fake_gmail import text_of
from tests.fake_ses import FakeSes
from tests.helpers.flows import OPERATORS, append_payment, later, pay
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.template import resources, template
from tests.helpers.typed import found

REGION = "us-east-1"
SENDER = "bookings@charter.example"


def ses_env(**extra: str) -> dict[str, str]:
    return {
        "SCC_MAILER": "ses",
        "SCC_SES_FROM": SENDER,
        "SCC_SES_RECIPIENT": OPERATORS,
        "AWS_REGION": REGION,
        "SCC_BASE_URL": "https://crew.charter.example",
        **extra,
    }


def connect(store_with: Callable[..., Store], **env: str) -> Store:
    return store_with(**env)


def client_for(store: Store) -> TestClient:
    return TestClient(create_app(store.settings, store), base_url="https://crew.charter.example")


def sent_by_moto() -> list[object]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


@pytest.fixture
def moto_ses() -> Iterator[None]:
    with mock_aws():
        yield


def verify(identity: str) -> None:
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=identity)


# --- moto, in-process ----------------------------------------------------------------


def test_ses_sends_the_payment_email_and_the_waiver_copy_from_the_verified_domain(
    store_with: Callable[..., Store], moto_ses: None
) -> None:
    verify("charter.example")
    store = connect(store_with, **ses_env())
    assert isinstance(make_mailer(store.settings), SesMailer)
    event = add_event(store, total_price="100", first_name="Alice")
    with client_for(store) as client:
        token = sign_in(client, store)
        response = pay(client, event["event_id"], token, JSON, note="tip included", amount="40.50")
        assert response.status_code == 201
        [payment] = sent_by_moto()
        assert payment.source == SENDER  # type: ignore[attr-defined]
        assert sorted(payment.destinations) == sorted(OPERATORS.split(", "))  # type: ignore[attr-defined]
        message = email.message_from_string(payment.raw_data)  # type: ignore[attr-defined]
        assert message["From"] == SENDER and message["To"] == OPERATORS
        assert "$40.50 cash" in message["Subject"]
        assert "Balance due: $59.50" in text_of(message)
        notice = found(store.outbox.get(payment_notice(response.json()["payment"]["payment_id"])))
        assert notice["state"] == "sent" and notice["message_id"] == payment.id  # type: ignore[attr-defined]

        assert sign_waiver(client, event["event_id"]).status_code == 303
        waiver = sent_by_moto()[1]
        assert waiver.destinations == ["alice@example.com"]  # type: ignore[attr-defined]
    assert store.outbox.mailer_broken() is None


def test_a_rejected_message_is_a_failed_attempt_up_to_the_cap(
    store_with: Callable[..., Store], moto_ses: None, capsys: pytest.CaptureFixture[str]
) -> None:
    verify("other.example")  # not the sender's domain: SES answers MessageRejected
    store = connect(store_with, **ses_env())
    event = add_event(store)
    append_payment(store, event["event_id"], "p1", "10.00")
    notice_id = payment_notice("p1")
    assert Notifier(store, make_mailer(store.settings)).send_due() == {"retry": 1}
    notice = found(store.outbox.get(notice_id))
    assert notice["state"] == "pending" and notice["attempts"] == 1
    assert notice["last_error"] == "SES answered HTTP 400 (MessageRejected)"  # no address
    for attempt in range(2, MAX_ATTEMPTS + 1):
        Notifier(
            store, make_mailer(store.settings), clock=partial(later, 60 * 2**attempt)
        ).send_due()
    notice = found(store.outbox.get(notice_id))
    assert notice["state"] == "failed" and notice["attempts"] == MAX_ATTEMPTS
    assert sent_by_moto() == [] and store.outbox.mailer_broken() is None
    assert '"NoticesFailed": 1' in capsys.readouterr().out


# --- the local stand-in: throttling and a paused account ----------------------------------


@pytest.fixture
def fake_ses() -> Iterator[FakeSes]:
    fake = FakeSes().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def ses_store(store_with: Callable[..., Store], fake_ses: FakeSes) -> Store:
    return connect(
        store_with,
        **ses_env(SCC_SES_ENDPOINT=fake_ses.url, SCC_SES_CONFIGURATION_SET="scc-prod"),
    )


def test_throttling_backs_off_like_gmail_and_the_email_goes_later(
    ses_store: Store, fake_ses: FakeSes
) -> None:
    event = add_event(ses_store)
    append_payment(ses_store, event["event_id"], "p1", "75.00")
    notice_id = payment_notice("p1")
    fake_ses.mode = "throttle"
    now = time.time()
    assert Notifier(ses_store, make_mailer(ses_store.settings), clock=lambda: now).send_due() == {
        "retry": 1
    }
    assert len(fake_ses.requests) == 1  # botocore retried nothing: the outbox backs off
    notice = found(ses_store.outbox.get(notice_id))
    assert notice["attempts"] == 1 and notice["next_attempt_at"] == int(now) + BACKOFF_SECONDS
    assert "TooManyRequestsException" in notice["last_error"]
    fake_ses.mode = "ok"
    soon = Notifier(ses_store, make_mailer(ses_store.settings), clock=lambda: now + 30)
    assert soon.send_due() == {}  # not due yet
    sender = Notifier(ses_store, make_mailer(ses_store.settings), clock=lambda: now + 61)
    assert sender.send_due() == {"sent": 1}
    assert found(ses_store.outbox.get(notice_id))["message_id"] == "ses-1"
    request = fake_ses.requests[-1]
    assert request["FromEmailAddress"] == SENDER
    assert request["ConfigurationSetName"] == "scc-prod"
    assert "$75.00" in text_of(fake_ses.messages[0])


def test_a_paused_ses_account_marks_the_mailer_broken_and_burns_nothing(
    ses_store: Store, fake_ses: FakeSes
) -> None:
    event = add_event(ses_store)
    append_payment(ses_store, event["event_id"], "p1", "75.00")
    fake_ses.mode = "paused"
    for n in range(MAX_ATTEMPTS + 1):
        sweep = Notifier(ses_store, make_mailer(ses_store.settings), clock=partial(later, 300 * n))
        assert sweep.send_due() == {"broken": 1}
    notice = found(ses_store.outbox.get(payment_notice("p1")))
    assert notice["state"] == "pending" and notice["attempts"] == 0
    broken = ses_store.outbox.mailer_broken()
    assert broken is not None and broken["mailer"] == "ses"
    assert "SendingPausedException" in broken["reason"]
    with client_for(ses_store) as client:
        sign_in(client, ses_store, role="captain")
        page = client.get("/admin/notifications").text
        assert "Amazon SES refuses every email" in page and "SendingPausedException" in page
        fake_ses.mode = "ok"
        later_sweep = Notifier(
            ses_store, make_mailer(ses_store.settings), clock=lambda: later(300 * MAX_ATTEMPTS)
        )
        assert later_sweep.send_due() == {"sent": 1}
        assert ses_store.outbox.mailer_broken() is None
        assert "the mailer is broken" not in client.get("/admin/notifications").text


# --- the choice, the deploy and the template ---------------------------------------------


def test_scc_mailer_chooses_the_one_mailer_and_its_settings_go_together() -> None:
    base = {"SCC_SECRET_KEY": SECRET}
    assert isinstance(make_mailer(Settings.from_env({**base, **ses_env()})), SesMailer)
    gmail = {
        "GMAIL_TOKEN": '{"refresh_token": "r", "client_id": "c", "client_secret": "s"}',
        "GMAIL_SENDER": "a@b.example",
        "GMAIL_RECIPIENT": "c@b.example",
    }
    assert isinstance(make_mailer(Settings.from_env({**base, **gmail})), GmailMailer)
    assert make_mailer(Settings.from_env(base)) is None  # no Gmail settings: mail waits
    settings = Settings.from_env({**base, **gmail, **ses_env()})
    assert settings.mail_sender == SENDER  # SES chosen: the Gmail ones are not used
    assert settings.mail_recipients == OPERATORS.split(", ")
    assert settings.shore_contacts == OPERATORS.split(", ")
    with pytest.raises(SettingsError, match="SCC_SES_FROM: not set"):
        Settings.from_env({**base, "SCC_MAILER": "ses", "SCC_SES_RECIPIENT": "c@b.example"})
    with pytest.raises(SettingsError, match="SCC_MAILER: 'sendgrid' is not one of gmail, ses"):
        Settings.from_env({**base, "SCC_MAILER": "sendgrid"})


def test_the_deploy_needs_the_ses_settings_instead_of_gmails_with_ses() -> None:
    stack = {"SCC_TABLE_PREFIX": "scc-prod-", "SCC_BASE_URL": "https://book.charter.example"}
    operator = {
        "SCC_OPERATOR_NAME": "Harbour Charters",
        "SCC_OPERATOR_PHONE": "+1 415 555 0100",
        "SCC_OPERATOR_EMAIL": "office@charter.example",
    }
    env = {"SCC_SECRET_KEY": SECRET, "SCC_ORIGIN_SECRET": "o" * 40, **operator, **ses_env()}
    env.pop("SCC_BASE_URL"), env.pop("AWS_REGION")
    merged = merge_environment({}, env, [], stack, REGION).variables
    assert merged["SCC_MAILER"] == "ses" and "GMAIL_TOKEN" not in merged
    without = {k: v for k, v in env.items() if k != "SCC_SES_RECIPIENT"}
    with pytest.raises(DeployError, match="SCC_SES_RECIPIENT would be missing"):
        merge_environment({}, without, [], stack, REGION)
    with pytest.raises(DeployError, match="SCC_SES_ENDPOINT must not be set on Lambda"):
        merge_environment({}, {**env, "SCC_SES_ENDPOINT": "http://127.0.0.1:1"}, [], stack, REGION)


def test_the_template_lets_the_role_send_only_from_the_stacks_ses_identity() -> None:
    loaded = template()
    assert loaded["Parameters"]["SesIdentity"]["Default"] == ""  # Gmail: no SES at all
    [identity] = resources("AWS::SES::EmailIdentity").values()
    assert identity["Condition"] == "UsesSes"
    assert identity["Properties"]["EmailIdentity"] == {"Ref": "SesIdentity"}
    [policy] = resources("AWS::IAM::RolePolicy").values()
    assert policy["Condition"] == "UsesSes"
    assert policy["Properties"]["RoleName"] == {"Ref": "AppRole"}
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    arns = json.dumps(statement["Resource"])
    assert ":identity/${SesIdentity}" in arns and "*" not in arns
    assert ":configuration-set/${SesConfigurationSet}" in arns
    # No SES anywhere else on the role.
    role = json.dumps(resources("AWS::IAM::Role")["AppRole"])
    assert "ses:" not in role
    assert "SesDkimRecords" in loaded["Outputs"]
