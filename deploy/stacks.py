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
# Outputs of the stacks made from this version of the template on; an older stack
# without them deploys with plain variables.
OPTIONAL_OUTPUTS = {
    "SecretsArn": "secrets_arn",
    "OriginSecretArn": "origin_secret_arn",
    "DocumentsBucketName": "documents_bucket",
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
    secrets_arn: str = ""
    origin_secret_arn: str = ""
    documents_bucket: str = ""

    @property
    def alias(self) -> str:
        return self.stage

    @property
    def stack_facts(self) -> dict[str, str]:
        """The variables the stack decides (deploy/environment.py FROM_STACK)."""
        facts = {
            "SCC_TABLE_PREFIX": self.table_prefix,
            "SCC_BASE_URL": self.site_url,
            "SCC_SECRETS_ARN": self.secrets_arn,
            "SCC_ORIGIN_SECRET_ARN": self.origin_secret_arn,
            "SCC_DOCUMENTS_BUCKET": self.documents_bucket,
        }
        return {k: v for k, v in facts.items() if v}


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
    optional = {name: outputs[key] for key, name in OPTIONAL_OUTPUTS.items() if key in outputs}
    target = Target(**{name: outputs[key] for key, name in OUTPUTS.items()}, **optional)
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
