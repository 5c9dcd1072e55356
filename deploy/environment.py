"""A function's environment: the variables it has, merged with the ones a deploy passes
(`--env-file`, `--set`, `--unset`) and the stack's facts, refused when incomplete."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from deploy.errors import DeployError
from server.secrets import SecretReader, resolve_secrets
from server.settings import (
    GMAIL,
    OPERATOR,
    SES,
    Settings,
    SettingsError,
)

# Every variable the deployed app needs (staging and prod alike, with the default mailer,
# Gmail); a deploy that would leave one out is refused. With SCC_MAILER=ses the SES pair
# replaces the Gmail three. The secret ones may come from SCC_SECRETS_ARN or
# SCC_ORIGIN_SECRET_ARN instead; the operator's (the waiver's "Operator") are
# server.settings.OPERATOR, one list for both.
ALWAYS = (
    "SCC_SECRET_KEY",
    "SCC_TABLE_PREFIX",
    "SCC_BASE_URL",
    "SCC_ORIGIN_SECRET",
    *OPERATOR,
)
REQUIRED = (*ALWAYS, *GMAIL)
MAILER_REQUIRED = {"gmail": GMAIL, "ses": SES}
# Set from the stack's outputs, so a stage can never be pointed at another's tables
# (or secrets).
FROM_STACK = ("SCC_TABLE_PREFIX", "SCC_BASE_URL", "SCC_SECRETS_ARN", "SCC_ORIGIN_SECRET_ARN")
# Local-only settings that must never reach Lambda (they would bypass real AWS).
LOCAL_ONLY = (
    "SCC_DYNAMODB_ENDPOINT",
    "SCC_GMAIL_API_ENDPOINT",
    "SCC_SES_ENDPOINT",
    "SCC_STRIPE_API_BASE",  # a local Stripe stand-in (issue 28)
    "SCC_AWS_CALL_LOG",
)
# Lambda sets these itself and refuses them in a function's configuration.
RESERVED = re.compile(r"^(AWS_.*|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR)$")


@dataclass(frozen=True)
class Merge:
    variables: dict[str, str]
    report: str


def parse_assignments(lines: Sequence[str], source: str) -> dict[str, str]:
    """`KEY=VALUE` lines (blank lines and `#` comments skipped, no quoting rules)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise DeployError(f"{source}:{number}: expected KEY=VALUE")
        values[key] = value
    return values


def merge_environment(
    current: Mapping[str, str],
    new: Mapping[str, str],
    unset: Sequence[str],
    stack: Mapping[str, str],
    region: str,
    secrets: SecretReader | None = None,
) -> Merge:
    """The variables of the version the stage serves (`current`), minus `unset`, plus
    `new`, plus the stack's facts; refused when a required one would be missing or any
    is invalid, as the app's own settings parser sees them (with the secrets the stack's
    Secrets Manager secrets hold, read with `secrets`). Variables not mentioned are kept
    as they are (the Gmail ones included)."""
    for key in new:
        if RESERVED.match(key):
            raise DeployError(f"{key} is reserved by Lambda and cannot be set")
        if key in stack and new[key] != stack[key]:
            raise DeployError(
                f"{key} comes from the stack ({stack[key]!r}); do not pass another value"
            )
    merged = {k: v for k, v in current.items() if k not in unset}
    merged.update(new)
    merged.update(stack)

    local = [k for k in LOCAL_ONLY if merged.get(k)]
    if local:
        raise DeployError(
            f"refusing to deploy: {', '.join(local)} must not be set on Lambda "
            f"(local testing only); remove with --unset"
        )
    try:
        resolved = resolve_secrets({**merged, "AWS_REGION": region}, secrets)
    except SettingsError as exc:
        raise DeployError(f"refusing to deploy: {exc} (with --unset NAME)") from exc
    mail = MAILER_REQUIRED.get(resolved.get("SCC_MAILER", "gmail").lower(), GMAIL)
    missing = [k for k in (*ALWAYS, *mail) if not resolved.get(k)]
    if missing:
        raise DeployError(
            f"refusing to deploy: required variable(s) {', '.join(missing)} would be missing. "
            "Pass them with --env-file FILE or --set KEY=VALUE; nothing was changed"
        )
    if not merged["SCC_BASE_URL"].startswith("https://"):
        raise DeployError("refusing to deploy: SCC_BASE_URL must be an https:// URL")
    try:
        Settings.from_env({**merged, "AWS_REGION": region}, secrets=secrets)
    except SettingsError as exc:
        raise DeployError(f"refusing to deploy: {exc}") from exc

    def names(keys: Iterator[str] | list[str]) -> str:
        return ", ".join(sorted(keys)) or "none"

    kept = [k for k in merged if k in current and current[k] == merged[k] and k not in new]
    changed = [k for k in merged if k in current and current[k] != merged[k]]
    added = [k for k in merged if k not in current]
    removed = [k for k in current if k not in merged]
    report = (
        f"kept {names(kept)}; changed {names(changed)}; added {names(added)}; "
        f"removed {names(removed)} (values not shown)"
    )
    return Merge(merged, report)
