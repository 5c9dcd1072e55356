"""The main flows through `server.lambda_handler.handler` in moto with IAM enforced, as
the function's role: the credentials are an IAM user's holding exactly the actions of
infra/template.yaml's AppRole policies. dynalite has no IAM, which is how a sign-in
that needs dynamodb:BatchGetItem passed every test and would have answered 500 on AWS.

moto authorizes a DynamoDB request against the resource "*" (it does not work out the
request's table ARN), so the user's statements keep the role's actions and name "*";
which table each action may touch is checked from the recorded calls
(tests/app_role.py), these included. DynamoDB is moto's here: this test is about IAM,
not about conditional writes (dynalite covers those everywhere else).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto import settings as moto_settings

from server import lambda_handler
from server.domain.clock import utc_now_iso
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables
from tests.conftest import CALL_LOG, PASSWORD, SECRET, add_event, add_user
from tests.fake_gmail import FakeGmail
from tests.helpers.aws import (
    ORIGIN_SECRET,
    Browser,
    Context,
    body_of,
    record,
    stream_event,
    url_event,
)
from tests.helpers.flows import gmail_env
from tests.helpers.flows import pay_through_lambda as pay
from tests.helpers.flows import sign_through_lambda as sign_waiver
from tests.helpers.template import template
from tests.helpers.typed import found

PREFIX = "scc-staging-"
REGION = "us-east-1"


def app_role_policies(leave_out: str = "") -> dict[str, dict[str, Any]]:
    """AppRole's policies by name, each statement's actions as written (less
    `leave_out`) on the resource "*" (see the module's docstring)."""
    role = template()["Resources"]["AppRole"]["Properties"]
    policies = {}
    for policy in role["Policies"]:
        document = copy.deepcopy(policy["PolicyDocument"])
        for statement in document["Statement"]:
            actions = statement["Action"]
            statement["Action"] = [a for a in actions if a != leave_out]
            statement["Resource"] = "*"
        policies[policy["PolicyName"]] = document
    return policies


@dataclass
class Keys:
    access_key_id: str
    secret: str

    def environ(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret}


def iam_user(name: str, policies: dict[str, dict[str, Any]]) -> Keys:
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName=name)
    for policy_name, document in policies.items():
        iam.put_user_policy(
            UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Keys(key["AccessKeyId"], key["SecretAccessKey"])


@dataclass
class Account:
    """The moto account: the app user's keys and a store with an administrator's, for
    what the tests set up and look at (never the app's calls)."""

    app: Keys
    admin: Store
    gmail: FakeGmail


@contextmanager
def enforced_account(monkeypatch: pytest.MonkeyPatch, leave_out: str = "") -> Iterator[Account]:
    gmail = FakeGmail().start()
    with mock_aws():
        # Unauthenticated while the account is set up, enforced from then on.
        monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
        app = iam_user("scc-app", app_role_policies(leave_out))
        everything = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        admin = iam_user("scc-admin", {"admin": everything})
        environ = {
            "SCC_SECRET_KEY": SECRET,
            "SCC_DYNAMODB_ENDPOINT": "aws",
            "SCC_TABLE_PREFIX": PREFIX,
            "AWS_REGION": REGION,
        }
        settings = Settings.from_env(environ)
        init_tables(settings, poll_seconds=0.01, say=lambda _: None)
        monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        for name, value in admin.environ().items():
            monkeypatch.setenv(name, value)
        admin_store = Store.connect(settings)  # its client keeps the admin's keys
        app_env = {
            **environ,
            **gmail_env(gmail),
            **app.environ(),
            "SCC_BASE_URL": "https://scc.example",
            "SCC_ORIGIN_SECRET": ORIGIN_SECRET,
            "SCC_AWS_CALL_LOG": str(CALL_LOG),  # checked with every other call
        }
        for name, value in app_env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(lambda_handler, "_started", None)
        try:
            yield Account(app=app, admin=admin_store, gmail=gmail)
        finally:
            if lambda_handler._started is not None:
                lambda_handler._started.close()
            gmail.stop()


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    with enforced_account(monkeypatch) as enforced:
        yield enforced


class Function(Browser):
    """A phone's cookies, every request through the module's `handler` as Lambda calls it."""

    def __init__(self) -> None:
        super().__init__(lambda_handler.handler)  # type: ignore[arg-type]


def test_the_main_flows_pass_as_the_app_role_with_iam_enforced(account: Account) -> None:
    admin = account.admin
    # IAM is on: a key that is not the account's is refused.
    stranger = boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="AKIANOTANACCOUNTKEY0",
        aws_secret_access_key="nope",
    )
    with pytest.raises(ClientError, match="security token|InvalidClientTokenId|UnrecognizedClient"):
        stranger.describe_table(TableName=f"{PREFIX}events")

    health = lambda_handler.handler(url_event("GET", "/healthz"), None)
    assert (health["statusCode"], body_of(health)) == (200, "ok")
    started = lambda_handler._started
    assert started is not None
    app_client = started.app.state.store.resource.meta.client
    assert app_client._request_signer._credentials.access_key == account.app.access_key_id

    # Sign-in (the limits' BatchGetItem, the session's writes).
    crew = Function()
    token = crew.sign_in(admin)
    event_id = str(add_event(admin)["event_id"])

    # The patron's trip page and a waiver.
    patron = Function()
    trip = patron("GET", f"/g/{event_id}")
    assert trip["statusCode"] == 200, body_of(trip)
    signed = sign_waiver(patron, event_id)
    assert signed["statusCode"] == 303, body_of(signed)
    (waiver,) = admin.waivers.for_event(event_id)

    # A payment, and its stream batch sends the email.
    before = admin.events.get(event_id)
    pay(crew, token, event_id)
    after = admin.events.get(event_id)
    assert after is not None and after["outbox"] == "owed"
    batch = stream_event(record(admin, "events", {"event_id": event_id}, after, before))
    assert lambda_handler.handler(batch, Context(25)) == {"batchItemFailures": []}
    assert any("$40.00 cash" in m["Subject"] for m in account.gmail.messages)

    # Check-in and depart: the float plan.
    admin.waivers.set_checkin(
        event_id, str(waiver["waiver_id"]), "signer", True, "crew@example.com", utc_now_iso()
    )
    page = body_of(crew("GET", f"/dispatch/events/{event_id}/depart"))
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    form = {k: fields[k] for k in ("csrf_token", "departure_id", "expected_back", "area")}
    (on_board,) = re.findall(r'name="crew" value="([^"]+)"\s+checked', page)
    aboard = {"crew": on_board, "master": on_board, "orientation": "yes"}  # issue 26 items 7, 8
    departed = crew("POST", f"/dispatch/events/{event_id}/depart", form={**form, **aboard})
    assert departed["statusCode"] == 303, body_of(departed)
    assert found(admin.events.get(event_id)).get("departure"), "the departure was not stored"

    # The 5-minute sweep sends what is still owed (the waiver's copy, the float plan).
    swept = lambda_handler.handler({"scc_task": "outbox-send"}, Context(25))
    assert swept["outbox"].get("sent", 0) >= 1, swept
    assert not admin.events.owing_notices() and not admin.waivers.owing_notices()


def test_without_batch_get_item_a_sign_in_answers_500(monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocker as it was: the role lacked dynamodb:BatchGetItem."""
    with enforced_account(monkeypatch, leave_out="dynamodb:BatchGetItem") as account:
        crew = Function()
        email = add_user(account.admin, f"crew-{uuid.uuid4().hex[:6]}@example.com")
        form = {"email": email, "password": PASSWORD, "csrf_token": crew.csrf()}
        refused = crew("POST", "/login", form=form)
        assert refused["statusCode"] == 500
