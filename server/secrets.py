"""Secret settings from AWS Secrets Manager: the app's JSON bundle (`SCC_SECRETS_ARN`)
and the origin secret's current and previous versions (`SCC_ORIGIN_SECRET_ARN`), read
at start-up and after a SnapStart restore; locally, plain variables stay as they are."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from server.setting_values import SettingsError

# The settings SCC_SECRETS_ARN may hold (never plain variables on Lambda); the origin
# secret's two come from SCC_ORIGIN_SECRET_ARN.
SECRETS = ("SCC_SECRET_KEY", "GMAIL_TOKEN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
ORIGIN_SECRETS = ("SCC_ORIGIN_SECRET", "SCC_ORIGIN_SECRET_PREVIOUS")

# (secret id, version stage) -> its SecretString, or None when no version has that stage.
SecretReader = Callable[[str, str], str | None]
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


def secrets_manager(region: str) -> SecretReader:
    """A reader for Secrets Manager in `region`, with a client made now (boto3, imported
    only when needed), so it holds the credentials of now (after a SnapStart restore,
    not the snapshot's)."""
    import boto3

    return secret_reader(boto3.client("secretsmanager", region_name=region))


def secret_reader(client: Any) -> SecretReader:
    """A reader through a boto3 Secrets Manager client."""

    def read(secret_id: str, stage: str) -> str | None:
        try:
            answer = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
        except client.exceptions.ResourceNotFoundException:
            if stage == CURRENT:
                raise
            return None  # no previous version yet
        return str(answer["SecretString"])

    return read


def resolve_secrets(
    environ: Mapping[str, str], reader: SecretReader | None = None
) -> dict[str, str]:
    """`environ` with the values the Secrets Manager secrets it names hold:
    SCC_SECRETS_ARN's JSON object (only the SECRETS names) and SCC_ORIGIN_SECRET_ARN's
    current and previous versions. A name set both ways is refused (which one would
    win is a guess). Without those two, `environ` as it is (local development)."""
    env = {k: v for k, v in environ.items() if v.strip()}
    bundle, origin = (
        env.get("SCC_SECRETS_ARN", "").strip(),
        env.get("SCC_ORIGIN_SECRET_ARN", "").strip(),
    )
    if not bundle and not origin:
        return env
    read = reader or secrets_manager(env.get("AWS_REGION", "us-east-1"))
    found: dict[str, str] = {}
    if bundle:
        try:
            values = json.loads(read(bundle, CURRENT) or "")
        except ValueError:
            raise SettingsError("SCC_SECRETS_ARN: the secret is not a JSON object") from None
        if not isinstance(values, dict):
            raise SettingsError("SCC_SECRETS_ARN: the secret is not a JSON object")
        unknown = sorted(set(values) - set(SECRETS))
        if unknown:
            raise SettingsError(
                f"SCC_SECRETS_ARN: holds {', '.join(unknown)}; "
                f"only {', '.join(SECRETS)} belong there"
            )
        found.update({k: str(v) for k, v in values.items() if str(v).strip()})
    if origin:
        found["SCC_ORIGIN_SECRET"] = read(origin, CURRENT) or ""
        previous = read(origin, PREVIOUS)
        if previous:
            found["SCC_ORIGIN_SECRET_PREVIOUS"] = previous
    both = sorted(k for k in found if k in env)
    if both:
        source = "SCC_SECRETS_ARN or SCC_ORIGIN_SECRET_ARN"
        raise SettingsError(
            f"{both[0]}: set both as a variable and in {source}; remove the variable"
        )
    return {**env, **found}
