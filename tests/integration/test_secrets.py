"""Secrets from Secrets Manager (moto, in-process): read at start-up and after a SnapStart
restore, the origin secret's rotation without an outage, and locally plain variables
as before. DynamoDB is the test's dynalite, as everywhere."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from starlette.datastructures import Secret

from server import lambda_handler
from server.lambda_handler import ORIGIN_REFRESH_SECONDS, LambdaApp
from server.notify.gmail import GmailMailer
from server.secrets import resolve_secrets, secrets_manager
from server.settings import Settings, SettingsError
from server.store import Store
from tests.conftest import SECRET
from tests.helpers.aws import url_event

REGION = "us-east-1"
TOKEN = {"refresh_token": "1//r", "client_id": "id.apps", "client_secret": "cs"}
OLD, NEW, FORGED = ("old-" + "o" * 40), ("new-" + "n" * 40), ("forged-" + "f" * 40)


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """moto's Secrets Manager with fake credentials; every GetSecretValue is counted."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


class CountingReader:
    """server.settings.secrets_manager's reader, counting its reads."""

    def __init__(self) -> None:
        self.read = secrets_manager(REGION)
        self.calls: list[tuple[str, str]] = []

    def __call__(self, secret_id: str, stage: str) -> str | None:
        self.calls.append((secret_id, stage))
        return self.read(secret_id, stage)


def env(**extra: str) -> dict[str, str]:
    return {"AWS_REGION": REGION, "SCC_BASE_URL": "https://scc.example", **extra}


def test_the_secret_settings_come_from_the_secret(secretsmanager: Any) -> None:
    arn = secretsmanager.create_secret(
        Name="scc-prod-app",
        SecretString=json.dumps({"SCC_SECRET_KEY": SECRET, "GMAIL_TOKEN": json.dumps(TOKEN)}),
    )["ARN"]
    origin = secretsmanager.create_secret(Name="scc-prod-origin-verify", SecretString=OLD)["ARN"]
    plain = {"GMAIL_SENDER": "dispatch@charter.example", "GMAIL_RECIPIENT": "o@charter.example"}
    settings = Settings.from_env(env(SCC_SECRETS_ARN=arn, SCC_ORIGIN_SECRET_ARN=origin, **plain))
    assert str(settings.secret_key) == SECRET
    assert json.loads(str(settings.gmail_token)) == TOKEN
    assert str(settings.origin_secret) == OLD and settings.origin_secret_previous is None
    assert settings.secrets_arn == arn and settings.origin_secret_arn == origin


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ({"SCC_SECRET_KEY": SECRET}, {"SCC_SECRET_KEY": SECRET}, "SCC_SECRET_KEY: set both"),
        ({"SCC_SECRET_KEY": SECRET, "SCC_BASE_URL": "x"}, {}, "holds SCC_BASE_URL"),
        ("not json", {}, "not a JSON object"),
        (["a list"], {}, "not a JSON object"),
        ({"SCC_SECRET_KEY": "short"}, {}, "SCC_SECRET_KEY: must be at least 32"),
    ],
)
def test_a_bad_secret_stops_start_up(
    secretsmanager: Any, content: Any, extra: dict[str, str], message: str
) -> None:
    text = content if isinstance(content, str) else json.dumps(content)
    arn = secretsmanager.create_secret(Name="scc-prod-app", SecretString=text)["ARN"]
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env(SCC_SECRETS_ARN=arn, **extra))


def test_locally_plain_variables_stay_and_nothing_is_read() -> None:
    def never(secret_id: str, stage: str) -> str | None:
        raise AssertionError("no secret may be read without an ARN setting")

    given = env(SCC_SECRET_KEY=SECRET, SCC_ORIGIN_SECRET=OLD, SCC_ORIGIN_SECRET_PREVIOUS=NEW)
    assert resolve_secrets(given, never) == given
    settings = Settings.from_env(given, secrets=never)
    assert str(settings.origin_secret) == OLD and str(settings.origin_secret_previous) == NEW


def test_during_a_rotation_both_secrets_pass_and_no_other() -> None:
    settings = Settings.from_env(
        env(SCC_SECRET_KEY=SECRET, SCC_ORIGIN_SECRET=NEW, SCC_ORIGIN_SECRET_PREVIOUS=OLD)
    )
    assert settings.from_cloudfront(NEW) and settings.from_cloudfront(OLD)
    assert not settings.from_cloudfront(FORGED) and not settings.from_cloudfront("")
    alone = dataclasses.replace(settings, origin_secret_previous=None)
    assert alone.from_cloudfront(NEW) and not alone.from_cloudfront(OLD)


def status(started: LambdaApp, sent: str) -> int:
    response = started(url_event("GET", "/login", origin_secret=sent), None)
    return int(response["statusCode"])


def test_rotating_the_origin_secret_is_no_outage(store: Store, secretsmanager: Any) -> None:
    """The live environment started knowing OLD; the secret is rotated to NEW (OLD is
    now AWSPREVIOUS) and CloudFront switches: both pass at once, a forged one never,
    and forged headers re-read the secret at most once a minute."""
    arn = secretsmanager.create_secret(Name="scc-prod-origin-verify", SecretString=OLD)["ARN"]
    reader = CountingReader()
    settings = dataclasses.replace(
        store.settings,
        base_url="https://scc.example",
        aws_region=REGION,
        origin_secret_arn=arn,
        origin_secret=Secret(OLD),  # what start-up read from the secret
    )
    started = lambda_handler.start(settings, store, secrets=reader)
    try:
        assert status(started, OLD) == 200 and reader.calls == []  # no read when it matches
        assert status(started, FORGED) == 403
        assert len(reader.calls) == 2  # AWSCURRENT and AWSPREVIOUS, once
        assert status(started, FORGED) == 403 and len(reader.calls) == 2  # not again yet

        secretsmanager.put_secret_value(SecretId=arn, SecretString=NEW)  # the rotation
        started.origin_read_at -= ORIGIN_REFRESH_SECONDS  # a minute later
        assert status(started, NEW) == 200  # CloudFront's new header: re-read, accepted
        assert status(started, OLD) == 200  # requests still carrying the old one
        assert status(started, FORGED) == 403
        assert str(started.app.state.settings.origin_secret_previous) == OLD
    finally:
        started.close()


def test_after_a_snapstart_restore_the_secrets_are_read_again(
    store: Store, secretsmanager: Any
) -> None:
    arn = secretsmanager.create_secret(
        Name="scc-prod-app",
        SecretString=json.dumps({"SCC_SECRET_KEY": SECRET, "GMAIL_TOKEN": json.dumps(TOKEN)}),
    )["ARN"]
    given = env(
        SCC_SECRETS_ARN=arn,
        SCC_DYNAMODB_ENDPOINT=store.settings.dynamodb_endpoint or "",
        SCC_TABLE_PREFIX=store.settings.table_prefix,
        GMAIL_SENDER="dispatch@charter.example",
        GMAIL_RECIPIENT="office@charter.example",
    )
    reader = CountingReader()

    def reload() -> Settings:
        return Settings.from_env(given, secrets=reader)

    from server.app import create_app

    started = LambdaApp(create_app(reload(), store, send_after_response=False), reload, reader)
    try:
        first_mailer = started.notifier.mailer
        assert isinstance(first_mailer, GmailMailer)
        rotated = {**TOKEN, "refresh_token": "1//rotated"}
        secretsmanager.put_secret_value(
            SecretId=arn,
            SecretString=json.dumps({"SCC_SECRET_KEY": SECRET, "GMAIL_TOKEN": json.dumps(rotated)}),
        )
        calls = len(reader.calls)
        started.after_restore()
        assert len(reader.calls) == calls + 1  # read again, once
        assert json.loads(str(started.app.state.settings.gmail_token)) == rotated
        mailer = started.notifier.mailer
        assert isinstance(mailer, GmailMailer) and mailer is not first_mailer
        assert json.loads(mailer._token) == rotated
        started.after_restore()  # nothing changed: the mailer (and its client) stays
        assert started.notifier.mailer is mailer
    finally:
        started.close()
