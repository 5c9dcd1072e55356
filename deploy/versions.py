"""Published versions: what an alias records about them, and pruning the old ones.

Each SnapStart version is a cached snapshot billed for as long as it is kept (see the
README's cost table), so after a successful promote both stages keep only their last
`keep` versions, plus every version an alias serves or records as its rollback target,
plus the stack's own first version (CloudFormation made it; deleting it would drift)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from deploy.errors import Say
from deploy.stacks import Target

KEEP_VERSIONS = 5  # `scc deploy promote --keep-versions N`
STACK_VERSION = "placeholder, before the first deploy"  # infra/template.yaml AppFirstVersion


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alias_record(previous: str, action: str) -> str:
    """The alias description: the version it left, for rollback."""
    return json.dumps({"previous": previous, "by": action, "at": _now()})


def recorded_previous(alias: Mapping[str, Any]) -> str | None:
    """The version an alias's description says rollback returns to, if any."""
    try:
        previous = json.loads(alias.get("Description") or "")["previous"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(previous) if previous is not None else None


def failed_promote_record(before: Mapping[str, Any], failed: str) -> str:
    """The description prod's alias gets back when promote undoes itself: the rollback
    target it had before the promote (never the version that just failed), so a later
    `scc deploy rollback` goes where it would have gone had the promote not happened."""
    record: dict[str, str] = {"by": f"promote of version {failed} failed, rolled back"}
    previous = recorded_previous(before)
    if previous is not None:
        record["previous"] = previous
    record["failed"] = failed
    record["at"] = _now()
    return json.dumps(record)


def published(lam: Any, function_name: str) -> list[dict[str, Any]]:
    """Every published version of the function (not $LATEST), oldest first."""
    versions: list[dict[str, Any]] = []
    for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function_name):
        versions += [v for v in page["Versions"] if v["Version"] != "$LATEST"]
    return sorted(versions, key=lambda v: int(v["Version"]))


def prune(lam: Any, target: Target, keep: int, say: Say) -> list[str]:
    """Delete the stage's versions older than its last `keep`, never one its alias
    serves or records for rollback, nor the stack's first; returns those deleted. One
    version that cannot be deleted is reported and the rest still go."""
    alias = lam.get_alias(FunctionName=target.function_name, Name=target.alias)
    protected = {str(alias["FunctionVersion"]), recorded_previous(alias)}
    versions = published(lam, target.function_name)
    newest = {v["Version"] for v in versions[-keep:]} if keep > 0 else set()
    deleted: list[str] = []
    for version in versions:
        number = version["Version"]
        if number in newest or number in protected or version.get("Description") == STACK_VERSION:
            continue
        try:
            lam.delete_function(FunctionName=target.function_name, Qualifier=number)
        except Exception as exc:  # one version's failure is its own
            say(f"  could not delete {target.function_name} version {number}: {exc}")
            continue
        deleted.append(number)
    kept = len(versions) - len(deleted)
    say(
        f"  {target.function_name}: {kept} version(s) kept"
        + (f", deleted {', '.join(deleted)}" if deleted else ", none deleted")
    )
    return deleted
