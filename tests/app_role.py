"""What infra/template.yaml's `AppRole` allows, and the check that every AWS call the
app made in a test session (`server/call_log.py`'s lines) is among it.

The role's statements are read from the template; each `Resource` is resolved to the
logical table it names (`!GetAtt EventsTable.Arn` is the `events` table,
`!Sub ${EventsTable.Arn}/index/*` its indexes, `.StreamArn` its stream). A recorded
call needs, per table it names, its IAM action on that table (or on `index/*` when it
names an index): BatchGetItem on every table of its batch, a transaction's items
PutItem / UpdateItem / DeleteItem / ConditionCheckItem (GetItem for TransactGetItems)
on theirs. A service other than DynamoDB needs its action on some resource.

Left out: calls made by the table set-up (`server/store/tables.py`), the local tooling
(`server/dev/`), the operator's commands (`server/__main__.py`, `deploy/`), and calls
the tests make themselves (the innermost project frame is not under `server/`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from tests.helpers.template import resources, template

NOT_THE_APP = ("server/dev/", "server/store/tables.py", "server/__main__.py", "deploy/")
TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


@dataclass(frozen=True)
class Grant:
    """One allowed (action pattern, resource) pair; `table` is a logical table name
    (`events`) or None for a resource that is not a table; `part` is "table",
    "index" or "stream"."""

    action: str
    table: str | None
    part: str
    raw: str


@cache
def logical_tables() -> dict[str, str]:
    """Logical resource id -> table name after the stage prefix (EventsTable -> events)."""
    found = {}
    for logical, resource in resources("AWS::DynamoDB::Table").items():
        name = resource["Properties"]["TableName"]["Fn::Sub"]
        found[logical] = str(name).removeprefix("scc-${Stage}-")
    return found


def _resolve(resource: Any) -> tuple[str | None, str, str]:
    tables = logical_tables()
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical, attribute = resource["Fn::GetAtt"]
        if logical in tables:
            return tables[logical], "stream" if attribute == "StreamArn" else "table", ""
        return None, "other", f"{logical}.{attribute}"
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = str(resource["Fn::Sub"])
        match = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/\*", text)
        if match and match.group(1) in tables:
            return tables[match.group(1)], "index", ""
        return None, "other", text
    return None, "other", json.dumps(resource)


def grants(role: dict[str, Any] | None = None) -> list[Grant]:
    """Every Allow (action, resource) of the role (the template's AppRole by default)."""
    if role is None:
        resources = template()["Resources"]
        role = resources["AppRole"]
        # Policies attached to the role on their own (SES's, present when the stack uses
        # SES) count as the role's too.
        attached = [
            r["Properties"]
            for r in resources.values()
            if r["Type"] == "AWS::IAM::RolePolicy"
            and r["Properties"].get("RoleName") == {"Ref": "AppRole"}
        ]
    else:
        attached = []
    found = []
    for policy in [*role["Properties"]["Policies"], *attached]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            actions = statement["Action"]
            targets = statement["Resource"]
            for action in [actions] if isinstance(actions, str) else actions:
                for target in targets if isinstance(targets, list) else [targets]:
                    table, part, raw = _resolve(target)
                    found.append(Grant(action, table, part, raw))
    return found


def table_of(name: str) -> str:
    """The logical table a physical name is (`t3f2a-events`, `scc-prod-events` -> events)."""
    known = sorted(logical_tables().values(), key=len, reverse=True)
    for table in known:
        if name.endswith(f"-{table}") or name == table:
            return table
    raise AssertionError(f"the app called AWS on {name!r}, which is no table of the template")


def needs(call: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(IAM action, logical table or None, "table" | "index") the call needs."""
    iam, operation, params = call["iam"], call["operation"], call["params"]
    if call["service"] != "dynamodb":
        return [(f"{iam}:{operation}", None, "other")]
    if "TransactItems" in params:
        return [
            (f"dynamodb:{TRANSACT[kind]}", table_of(name), "table")
            for item in params["TransactItems"]
            for kind, name in item.items()
        ]
    names = params.get("RequestItems") or [params["TableName"]]
    part = "index" if params.get("IndexName") else "table"
    return [(f"dynamodb:{operation}", table_of(name), part) for name in names]


def allowed(need: tuple[str, str | None, str], granted: list[Grant]) -> bool:
    action, table, part = need
    for grant in granted:
        if not fnmatchcase(action.lower(), grant.action.lower()):
            continue
        if table is None or (grant.table == table and grant.part == part):
            return True
    return False


def is_the_apps(call: dict[str, Any]) -> bool:
    frames: list[str] = call["frames"]
    if any(frame.startswith(NOT_THE_APP) for frame in frames):
        return False
    return bool(frames) and frames[0].startswith("server/")


def read_calls(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def refused(calls: list[dict[str, Any]], granted: list[Grant] | None = None) -> list[str]:
    """One line per (operation, table) an app call needed that the role does not allow."""
    granted = grants() if granted is None else granted
    problems: dict[str, None] = {}
    for call in calls:
        if not is_the_apps(call):
            continue
        for need in needs(call):
            if not allowed(need, granted):
                action, table, part = need
                where = f" on the {table} table" + ("'s indexes" if part == "index" else "")
                problems[f"{action}{where if table else ''} (from {call['frames'][0]})"] = None
    return list(problems)


def check_calls(path: Path) -> int:
    """Raise AssertionError naming every call AppRole would refuse; the number of app
    calls checked otherwise."""
    calls = read_calls(path)
    problems = refused(calls)
    assert not problems, (
        "infra/template.yaml's AppRole does not allow what the app did "
        f"(recorded in {path}):\n  " + "\n  ".join(problems)
    )
    return sum(1 for call in calls if is_the_apps(call))
