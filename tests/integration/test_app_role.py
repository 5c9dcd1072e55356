"""The record of the app's AWS calls (server/call_log.py) and the check that
infra/template.yaml's AppRole allows each (tests/app_role.py), which every test session
runs at its end (tests/conftest.py, e2e/conftest.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from starlette.testclient import TestClient

from deploy.environment import merge_environment
from deploy.errors import DeployError
from server.store import Store
from tests.app_role import grants, is_the_apps, needs, read_calls, refused
from tests.conftest import CALL_LOG, sign_in_through_form
from tests.helpers.aws import REGION, stage_env
from tests.helpers.template import template


@pytest.fixture
def store(private_store: Store) -> Store:
    """Tables of the test's own: its calls are told apart by their prefix."""
    return private_store


def calls_on(store: Store) -> list[dict[str, Any]]:
    """The recorded calls that name this test's tables."""
    prefix = store.settings.table_prefix
    return [c for c in read_calls(CALL_LOG) if prefix in str(c["params"])]


def without(action: str) -> list[Any]:
    """AppRole's grants as they were before issue 23, without `action`."""
    role = copy.deepcopy(template()["Resources"]["AppRole"])
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            statement["Action"] = [a for a in statement["Action"] if a != action]
    return grants(role)


def test_a_sign_in_reads_the_limits_with_batch_get_item_which_the_role_allows(
    client: TestClient, store: Store
) -> None:
    sign_in_through_form(client, store)
    calls = calls_on(store)
    batch = [c for c in calls if c["operation"] == "BatchGetItem"]
    assert batch and batch[0]["frames"][0] == "server/store/limits.py"
    assert batch[0]["params"] == {"RequestItems": [store.settings.table_name("limits")]}
    assert needs(batch[0]) == [("dynamodb:BatchGetItem", "limits", "table")]
    assert refused(calls) == []
    # The role as it was: the check names the call (on AWS, a 500 on every sign-in).
    assert refused(calls, without("dynamodb:BatchGetItem")) == [
        "dynamodb:BatchGetItem on the limits table (from server/store/limits.py)"
    ]


def test_the_table_set_up_and_the_tests_own_calls_are_left_out(store: Store) -> None:
    store.resource.meta.client.scan(TableName=store.settings.table_name("audit"))
    calls = calls_on(store)
    created = [c for c in calls if c["operation"] == "CreateTable"]
    assert created and not any(is_the_apps(c) for c in created)
    (scan,) = [c for c in calls if c["operation"] == "Scan"]
    assert scan["frames"][0] == "tests/integration/test_app_role.py" and not is_the_apps(scan)


def call(operation: str, params: dict[str, Any], service: str = "dynamodb") -> dict[str, Any]:
    iam = "ses" if service == "sesv2" else service
    frames = ["server/store/x.py"]
    return {
        "service": service,
        "iam": iam,
        "operation": operation,
        "params": params,
        "frames": frames,
    }


@pytest.mark.parametrize(
    ("recorded", "problem"),
    [
        # The users table has no index, so the role grants none.
        (
            call("Query", {"TableName": "scc-prod-users", "IndexName": "by_x"}),
            "dynamodb:Query on the users table's indexes",
        ),
        (call("BatchWriteItem", {"RequestItems": ["scc-prod-events"]}), "dynamodb:BatchWriteItem"),
        (call("DeleteTable", {"TableName": "scc-prod-events"}), "dynamodb:DeleteTable"),
        (
            call("TransactWriteItems", {"TransactItems": [{"ConditionCheck": "p-events"}]}),
            "dynamodb:ConditionCheckItem on the events table",
        ),
        # The SES policy attached to the role lets it send, nothing more.
        (call("DeleteEmailIdentity", {}, service="sesv2"), "ses:DeleteEmailIdentity"),
    ],
)
def test_what_the_role_does_not_grant_is_named(recorded: dict[str, Any], problem: str) -> None:
    (found,) = refused([recorded])
    assert found.startswith(problem), found


def test_what_the_role_grants_passes() -> None:
    allowed = [
        # AppSendEmailPolicy, attached to the role when the stack uses SES.
        call("SendEmail", {}, service="sesv2"),
        call("Query", {"TableName": "scc-prod-events", "IndexName": "by_date"}),
        call("Query", {"TableName": "t1234-sessions", "IndexName": "by_email"}),
        call("GetItem", {"TableName": "scc-staging-users"}),
        call("BatchGetItem", {"RequestItems": ["scc-prod-limits"]}),
        call(
            "TransactWriteItems", {"TransactItems": [{"Put": "a-waivers"}, {"Update": "a-events"}]}
        ),
        call("DescribeTable", {"TableName": "scc-prod-events"}),
    ]
    assert refused(allowed) == []


def test_a_table_the_template_does_not_have_fails_the_check() -> None:
    with pytest.raises(AssertionError, match="no table of the template"):
        refused([call("GetItem", {"TableName": "scc-prod-payments"})])


def test_the_call_log_never_reaches_lambda() -> None:
    """SCC_AWS_CALL_LOG is for the test suites: `scc deploy` refuses it."""
    stack = {"SCC_TABLE_PREFIX": "scc-prod-", "SCC_BASE_URL": "https://book.example"}
    new = {"SCC_AWS_CALL_LOG": "/tmp/calls.jsonl"}
    with pytest.raises(DeployError, match="SCC_AWS_CALL_LOG must not be set on Lambda"):
        merge_environment(stage_env("prod"), new, [], stack, REGION)
