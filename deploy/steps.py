"""The single AWS steps a deploy is made of (Lambda configuration, code, versions and
aliases; S3 uploads; CloudFront invalidations), each checked after it is done.
`deploy.stages` puts them in order."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from deploy import smoke
from deploy.environment import Merge, merge_environment
from deploy.errors import DeployError, Say
from deploy.release import HANDLER, RUNTIME, Asset, Release
from deploy.stacks import Target
from deploy.versions import alias_record
from server.secrets import SecretReader, secret_reader
from server.web.assets import IMMUTABLE


@dataclass
class Clients:
    """The AWS clients a deploy uses, and their region."""

    lambda_: Any
    s3: Any
    cloudfront: Any
    region: str
    secretsmanager: Any = None  # reads the stage's secrets to validate them; None: boto3's

    def secret_reader(self) -> SecretReader | None:
        return None if self.secretsmanager is None else secret_reader(self.secretsmanager)


@contextmanager
def step(say: Say, number: int, total: int, title: str) -> Iterator[None]:
    say(f"[{number}/{total}] {title}")
    try:
        yield
    except DeployError as exc:
        raise DeployError(f"step {number}/{total} ({title}) failed: {exc}") from exc
    except Exception as exc:  # AWS and network errors: stop, say where
        raise DeployError(
            f"step {number}/{total} ({title}) failed: {type(exc).__name__}: {exc}"
        ) from exc


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


@dataclass
class Steps:
    """One stage's AWS steps, through the given clients; `say` reports each."""

    clients: Clients
    say: Say = print
    fetch: smoke.Fetch | None = None  # default: smoke.http_fetch (urllib)
    waiter_delay: int = 2

    @property
    def lam(self) -> Any:
        return self.clients.lambda_

    def alias(self, target: Target) -> dict[str, Any]:
        result: dict[str, Any] = self.lam.get_alias(
            FunctionName=target.function_name, Name=target.alias
        )
        return result

    def wait_updated(self, target: Target) -> None:
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=target.function_name,
            WaiterConfig={"Delay": self.waiter_delay, "MaxAttempts": 300},
        )

    def merged_environment(
        self, target: Target, new: Mapping[str, str], unset: Sequence[str]
    ) -> tuple[Merge, dict[str, Any]]:
        """The merge of `new` into the settings of the version the alias serves (never
        $LATEST's, which a rollback leaves holding the settings it rolled away from),
        and $LATEST's configuration (its runtime, its revision for the update)."""
        config: dict[str, Any] = self.lam.get_function_configuration(
            FunctionName=target.function_name
        )
        if config.get("Runtime") != RUNTIME:
            raise DeployError(
                f"{target.function_name} runs {config.get('Runtime')}, the build is for "
                f"{RUNTIME}: update the stack from infra/template.yaml"
            )
        serving = str(self.alias(target)["FunctionVersion"])
        served = self.lam.get_function_configuration(
            FunctionName=target.function_name, Qualifier=serving
        )
        current = served.get("Environment", {}).get("Variables", {})
        merge = merge_environment(
            current, new, unset, target.stack_facts, self.clients.region,
            self.clients.secret_reader(),
        )  # fmt: skip
        self.say(f"  {target.function_name}: the settings version {serving} runs ({target.alias})")
        self.say(f"  {merge.report}")
        return merge, config

    def update_configuration(self, target: Target, merge: Merge, config: Mapping[str, Any]) -> None:
        self.wait_updated(target)  # never collide with an update still in progress
        extra = {"RevisionId": config["RevisionId"]} if config.get("RevisionId") else {}
        self.lam.update_function_configuration(
            FunctionName=target.function_name,
            Handler=HANDLER,
            Environment={"Variables": merge.variables},
            **extra,  # someone changed it since we read it: refuse rather than lose that
        )
        self.wait_updated(target)
        self.say(f"  configuration of {target.function_name} updated and settled")

    def update_code(self, target: Target, bucket: str, key: str, code_sha256: str) -> None:
        result = self.lam.update_function_code(
            FunctionName=target.function_name, S3Bucket=bucket, S3Key=key
        )
        if result["CodeSha256"] != code_sha256:
            raise DeployError(f"Lambda reports code {result['CodeSha256']}, not {code_sha256}")
        self.wait_updated(target)
        self.say(f"  code of {target.function_name} updated from s3://{bucket}/{key}, settled")

    def publish(self, target: Target, code_sha256: str, merge: Merge, description: str) -> str:
        result = self.lam.publish_version(
            FunctionName=target.function_name,
            CodeSha256=code_sha256,  # Lambda refuses if $LATEST holds other code
            Description=description[:256],
        )
        version = str(result["Version"])
        self.lam.get_waiter("published_version_active").wait(
            FunctionName=target.function_name,
            Qualifier=version,
            WaiterConfig={"Delay": self.waiter_delay, "MaxAttempts": 150},
        )
        published = self.lam.get_function_configuration(
            FunctionName=target.function_name, Qualifier=version
        )
        if published["CodeSha256"] != code_sha256:
            raise DeployError(f"version {version} holds code {published['CodeSha256']}")
        if published.get("Environment", {}).get("Variables", {}) != merge.variables:
            raise DeployError(
                f"version {version} was published with another configuration "
                "(someone changed the function meanwhile): run the deploy again"
            )
        if published.get("Handler") != HANDLER:
            raise DeployError(f"version {version} has handler {published.get('Handler')}")
        self.say(f"  version {version} published: code {code_sha256} + the merged configuration")
        return version

    def upload_assets(
        self, bucket: str, assets: Sequence[Asset], content: Callable[[Asset], bytes]
    ) -> list[str]:
        """Put every asset not already there; returns the keys whose old content differed
        (only those can be stale in CloudFront)."""
        s3 = self.clients.s3
        new = same = 0
        changed: list[str] = []
        for asset in assets:
            try:
                head = s3.head_object(Bucket=bucket, Key=asset.key)
            except Exception as exc:
                if _error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                    raise
                head = None
            if head is not None and head.get("Metadata", {}).get("sha256") == asset.sha256:
                same += 1
                continue
            body = content(asset)
            if hashlib.sha256(body).hexdigest() != asset.sha256:
                raise DeployError(f"{asset.key}: content does not match the release manifest")
            s3.put_object(
                Bucket=bucket,
                Key=asset.key,
                Body=body,
                ContentType=asset.content_type,
                CacheControl=IMMUTABLE,
                Metadata={"sha256": asset.sha256},
            )
            if head is None:
                new += 1
            else:
                changed.append(asset.key)
        self.say(
            f"  s3://{bucket}/static: {new} uploaded, {len(changed)} replaced, {same} already there"
        )
        return changed

    def invalidate(self, target: Target, keys: Sequence[str]) -> None:
        if not keys:
            self.say(
                "  nothing to invalidate: assets have new content-hashed names and app "
                "responses are never cached"
            )
            return
        paths = sorted("/" + key for key in keys)
        result = self.clients.cloudfront.create_invalidation(
            DistributionId=target.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"scc-{uuid.uuid4()}",
            },
        )
        self.say(
            f"  invalidation {result['Invalidation']['Id']} on {target.distribution_id}: "
            + ", ".join(paths)
        )

    def move_alias(self, target: Target, version: str, action: str) -> str:
        """Point the alias at `version` in one call, recording the version it left."""
        current = self.alias(target)
        previous = str(current["FunctionVersion"])
        extra = {"RevisionId": current["RevisionId"]} if current.get("RevisionId") else {}
        self.lam.update_alias(
            FunctionName=target.function_name,
            Name=target.alias,
            FunctionVersion=version,
            Description=alias_record(previous, action),
            **extra,  # it moved since we read it: refuse
        )
        self.say(f"  alias {target.alias}: version {previous} -> {version}")
        return previous

    def smoke(self, target: Target, waiver_event: str | None) -> None:
        self.say(f"  {target.site_url}")
        smoke.smoke_test(target.site_url, self.fetch or smoke.http_fetch, waiver_event, self.say)

    def put_release(self, target: Target, release: Release) -> str:
        key = f"releases/{release.code_hex}.zip"
        s3 = self.clients.s3
        s3.put_object(Bucket=target.bucket, Key=key, Body=release.zip_path.read_bytes())
        s3.put_object(
            Bucket=target.bucket,
            Key=f"releases/{release.code_hex}.json",
            Body=json.dumps(release.manifest()).encode(),
            ContentType="application/json",
        )
        return key
