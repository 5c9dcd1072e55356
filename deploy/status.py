"""`scc deploy status`: per stage, the version its alias serves, the build (commit) and
code it runs, a hash of its settings (equal hashes: equal settings, values never
shown), its SnapStart, and whether the stack's resources still match the template
(CloudFormation drift detection; what `scc deploy` itself changes is left out)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deploy.errors import DeployError, Say
from deploy.stacks import Target

# Properties `scc deploy` sets outside the template, by resource type: drift there is
# the deploy working, not someone changing the stack by hand.
DEPLOY_OWNED = {
    "AWS::Lambda::Function": ("/Handler", "/Code", "/Environment"),
    "AWS::Lambda::Alias": ("/FunctionVersion", "/Description"),
}
_BUILD = re.compile(r"\bbuild ([0-9a-f]{7,40}(?:-dirty)?|unknown)\b")


def settings_hash(variables: Mapping[str, str]) -> str:
    """A short digest of a version's variables: the same settings, the same hash."""
    text = json.dumps(dict(variables), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def commit_of(description: str) -> str:
    """The build's commit, from the version description `scc deploy` wrote."""
    match = _BUILD.search(description or "")
    return match[1] if match else "not deployed by scc deploy"


@dataclass
class StageStatus:
    stage: str
    version: str
    commit: str
    code_sha256: str
    settings: str
    snapstart: str
    drift: list[str] = field(default_factory=list)  # "LogicalId STATUS: /Path, ..."
    drift_checked: bool = True

    def lines(self) -> list[str]:
        drift = (
            "could not be checked" if not self.drift_checked
            else "none" if not self.drift else f"{len(self.drift)} resource(s)"
        )  # fmt: skip
        return [
            f"{self.stage}: version {self.version}, build {self.commit}",
            f"  code {self.code_sha256}, settings {self.settings}, SnapStart {self.snapstart}",
            f"  template drift: {drift}",
            *(f"    {line}" for line in self.drift),
        ]


def version_status(lam: Any, target: Target) -> StageStatus:
    alias = lam.get_alias(FunctionName=target.function_name, Name=target.alias)
    version = str(alias["FunctionVersion"])
    config = lam.get_function_configuration(FunctionName=target.function_name, Qualifier=version)
    snap = config.get("SnapStart", {})
    snapstart = str(snap.get("ApplyOn", "None"))
    if snap.get("OptimizationStatus"):
        snapstart += f" ({snap['OptimizationStatus']})"
    return StageStatus(
        stage=target.stage,
        version=version,
        commit=commit_of(str(config.get("Description", ""))),
        code_sha256=str(config["CodeSha256"]),
        settings=settings_hash(config.get("Environment", {}).get("Variables", {})),
        snapstart=snapstart,
    )


def _owned(resource_type: str, path: str) -> bool:
    return path.startswith(DEPLOY_OWNED.get(resource_type, ("\0",)))


def drift(
    cloudformation: Any,
    stack: str,
    *,
    delay: float = 3.0,
    attempts: int = 100,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """The stack's resources that no longer match the template, each with the
    properties that differ, leaving out those `scc deploy` owns (DEPLOY_OWNED)."""
    detection = cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    for _ in range(attempts):
        status = cloudformation.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection
        )
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        sleep(delay)
    else:
        raise DeployError(f"drift detection of {stack} did not finish")
    if status["DetectionStatus"] == "DETECTION_FAILED":
        raise DeployError(
            f"drift detection of {stack} failed: {status.get('DetectionStatusReason', '')}"
        )
    found: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = cloudformation.describe_stack_resource_drifts(
            StackName=stack, StackResourceDriftStatusFilters=["MODIFIED", "DELETED"], **token
        )
        for resource in page.get("StackResourceDrifts", []):
            kind, state = resource["ResourceType"], resource["StackResourceDriftStatus"]
            paths = [
                d["PropertyPath"]
                for d in resource.get("PropertyDifferences", [])
                if not _owned(kind, d["PropertyPath"])
            ]
            if state == "MODIFIED" and not paths:
                continue  # only what the deploy itself changed
            found.append(f"{resource['LogicalResourceId']} {state}: {', '.join(paths) or '-'}")
        if not page.get("NextToken"):
            return found
        token = {"NextToken": page["NextToken"]}


def report(
    cloudformation: Any, lam: Any, stages: list[tuple[str, Target]], say: Say, **wait: Any
) -> list[StageStatus]:
    """Say each stage's status; a stage whose drift cannot be checked says so."""
    statuses = []
    for stack, target in stages:
        status = version_status(lam, target)
        try:
            status.drift = drift(cloudformation, stack, **wait)
        except Exception as exc:  # e.g. no cloudformation:DetectStackDrift permission
            status.drift_checked = False
            status.drift = [f"{type(exc).__name__}: {exc}"]
        for line in status.lines():
            say(line)
        statuses.append(status)
    if len(statuses) == 2:
        same = statuses[0].code_sha256 == statuses[1].code_sha256
        say("prod runs the code staging runs" if same else "prod runs other code than staging")
    return statuses
