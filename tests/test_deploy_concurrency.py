"""`scc deploy concurrency` (issue 23 item 9): a ReservedConcurrency the account's
quota cannot take is named before the stack fails on it, with what to do.

moto enforces Lambda's floor of 100 unreserved executions when
MOTO_LAMBDA_CONCURRENCY_QUOTA is set, and the advice is checked against it; moto has no
GetAccountSettings (and its CloudFormation needs extras this project does not install),
so those calls are answered by botocore's Stubber (the real client, its requests and
answers validated against the service model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from deploy import cli, concurrency
from deploy.concurrency import Quota, advice, read_quota
from deploy.steps import Clients
from server.__main__ import main
from tests.helpers.aws import placeholder_zip

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    with mock_aws():
        yield


def function(lam: Any, name: str = "scc-prod-app") -> str:
    iam = boto3.client("iam", region_name=REGION)
    try:
        role = iam.get_role(RoleName="scc-app")["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(RoleName="scc-app", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": placeholder_zip()},
    )
    return name


@pytest.mark.parametrize(
    ("quota", "others", "reserve"),
    [(10, 0, 10), (10, 0, 2), (1000, 0, 10), (1000, 0, 900), (1000, 0, 901), (150, 40, 11)],
)
def test_the_advice_agrees_with_lambdas_floor_of_100_unreserved(
    aws: None, monkeypatch: pytest.MonkeyPatch, quota: int, others: int, reserve: int
) -> None:
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", str(quota))
    lam = boto3.client("lambda", region_name=REGION)
    if others:
        lam.put_function_concurrency(
            FunctionName=function(lam, "another-app"), ReservedConcurrentExecutions=others
        )
    name = function(lam)
    try:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserve)
        accepted = True
    except ClientError as refused:
        assert "UnreservedConcurrentExecution below its minimum value of [100]" in str(refused)
        accepted = False
    fits, message = advice(Quota(quota, quota - others, 0), reserve)
    assert fits == accepted, message
    if not fits:
        assert "ReservedConcurrency=0" in message and "Concurrent executions" in message
        assert f"at least {others + reserve + 100}" in message


def test_no_reservation_always_fits() -> None:
    fits, message = advice(Quota(10, 10, 0), 0)
    assert fits and "no reservation" in message


def stubbed_lambda(limit: int, unreserved: int, reserved_here: int | None) -> Any:
    lam = boto3.client(
        "lambda", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(lam)
    stub.add_response(
        "get_account_settings",
        {
            "AccountLimit": {
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": unreserved,
            }
        },
        {},
    )
    if reserved_here is None:
        stub.add_client_error(
            "get_function_concurrency", "ResourceNotFoundException", http_status_code=404
        )
    else:
        answer = {"ReservedConcurrentExecutions": reserved_here} if reserved_here else {}
        stub.add_response("get_function_concurrency", answer, {"FunctionName": "scc-prod-app"})
    stub.activate()
    return lam


def test_the_function_s_own_reservation_counts_as_available() -> None:
    """Updating a stack that reserves 10 already: those 10 are the function's to keep."""
    quota = read_quota(stubbed_lambda(1000, 890, 10), "scc-prod-app")
    assert quota == Quota(1000, 890, 10) and quota.can_reserve == 800
    assert read_quota(stubbed_lambda(10, 10, None), "scc-prod-app").reserved_here == 0


def stubbed_stack(reserved: str | None) -> Any:
    """CloudFormation answering DescribeStacks for scc-prod (or that it does not exist)."""
    cloudformation = boto3.client(
        "cloudformation", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(cloudformation)
    if reserved is None:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id scc-staging does not exist"
        )
    else:
        stack = {
            "StackName": "scc-prod",
            "CreationTime": "2026-12-01T00:00:00Z",
            "StackStatus": "CREATE_COMPLETE",
            "Parameters": [{"ParameterKey": "ReservedConcurrency", "ParameterValue": reserved}],
            "Outputs": [{"OutputKey": "FunctionName", "OutputValue": "scc-prod-app"}],
        }
        stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "scc-prod"})
    stub.activate()
    return cloudformation


@pytest.mark.parametrize(
    ("reserved", "limit", "code", "said"),
    [
        ("10", 10, 1, "ReservedConcurrency=10 does not fit (at most 0)"),
        ("0", 10, 0, "no reservation"),
        ("10", 1000, 0, "ReservedConcurrency=10 fits (at most 900)"),
    ],
)
def test_the_command_reads_the_stack_and_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reserved: str,
    limit: int,
    code: int,
    said: str,
) -> None:
    cloudformation = stubbed_stack(reserved)
    lam = stubbed_lambda(limit, limit, None)
    clients = Clients(lambda_=lam, s3=None, cloudfront=None, region=REGION)
    monkeypatch.setattr(cli, "_session", lambda args: (cloudformation, clients))
    assert main(["deploy", "concurrency", "--stage", "prod"]) == code
    out = capsys.readouterr().out
    assert f"scc-prod: ReservedConcurrency={reserved}" in out and said in out


def test_without_a_stack_it_checks_the_reservation_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cloudformation = stubbed_stack(None)
    fits = concurrency.check(
        cloudformation, stubbed_lambda(10, 10, None), "scc-staging", 5, say=print
    )
    assert not fits
    assert "create or update the stack with ReservedConcurrency=0" in capsys.readouterr().out
