"""The two stages' CloudFormation stacks (`scc-staging`, `scc-prod`, from
`infra/template.yaml`): every name the deploy needs comes from their outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.errors import DeployError

STAGES = ("staging", "prod")

# Stack output -> Target field. infra/template.yaml declares every one of them.
OUTPUTS = {
    "Stage": "stage",
    "FunctionName": "function_name",
    "StaticBucketName": "bucket",
    "DistributionId": "distribution_id",
    "SiteUrl": "site_url",
    "TablePrefix": "table_prefix",
}


@dataclass(frozen=True)
class Target:
    """One stage's resources, as its stack reports them."""

    stage: str
    function_name: str
    bucket: str
    distribution_id: str
    site_url: str
    table_prefix: str

    @property
    def alias(self) -> str:
        return self.stage


def read_target(cloudformation: Any, stack: str, stage: str) -> Target:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:  # botocore's ClientError, without importing botocore here
        raise DeployError(f"cannot read stack {stack}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [key for key in OUTPUTS if key not in outputs]
    if missing:
        raise DeployError(
            f"stack {stack} lacks output(s) {', '.join(missing)}: "
            "update it from infra/template.yaml"
        )
    target = Target(**{name: outputs[key] for key, name in OUTPUTS.items()})
    if target.stage != stage:
        raise DeployError(f"stack {stack} is the {target.stage} stage, not {stage}")
    return target


def stack_exists(cloudformation: Any, stack: str) -> bool:
    try:
        cloudformation.describe_stacks(StackName=stack)
    except Exception as exc:
        if "does not exist" in str(exc):
            return False
        raise DeployError(f"cannot read stack {stack}: {exc}") from exc
    return True
