"""`deploy staging`, `promote` and `rollback`: the steps of `deploy.steps` in a fixed
order, each numbered so that a failure says where it stopped.

- staging: a version freezes code and configuration together and only then does the
  `staging` alias move.
- promote: smoke-tests staging, then publishes the exact code staging runs (same
  SHA-256) to the prod function with prod's configuration and moves `prod`; a failed
  smoke test of prod moves it straight back (and leaves the alias's rollback record as
  it was, so `rollback` never returns to the failed version). A promote that succeeds
  deletes each stage's versions older than its last few (`deploy.versions.prune`).
- every deploy's settings are the ones the alias serves, merged with the new ones
  (never $LATEST's, which a rollback leaves behind), checked by the app's own parser.
- rollback: points an alias back at the version it pointed at before, in one call.

Every alias move records the version it left in the alias description, so rollback
needs nothing stored on the operator's machine. Nothing here moves the prod alias
except promote's step that says so, and rollback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploy.errors import DeployError
from deploy.release import Asset, Release, code_hex, parse_manifest
from deploy.stacks import Target
from deploy.steps import Steps, step
from deploy.versions import KEEP_VERSIONS, failed_promote_record, prune, recorded_previous


@dataclass(frozen=True)
class Code:
    """The code a new version runs: a zip in `bucket`, its key from `upload` (which puts
    it there first when it is not yet), its CodeSha256, and the version's description."""

    bucket: str
    upload: Callable[[], str]
    sha256: str
    description: str


@dataclass
class Deployer(Steps):
    """Deploys a release to staging, promotes staging to prod, rolls a stage back."""

    def new_version(
        self,
        target: Target,
        new: Mapping[str, str],
        unset: Sequence[str],
        code: Code,
        numbers: tuple[int, int],
        publish_title: str,
    ) -> str:
        """Four numbered steps from `numbers` = (first, total): merge the settings into
        the function's environment, update its configuration, then its code (each waits
        until the function has settled), then publish a version that freezes the two."""
        say, (first, total), stage = self.say, numbers, target.stage
        with step(say, first, total, f"merge the settings into {stage}'s environment"):
            merge, config = self.merged_environment(target, new, unset)
        with step(
            say, first + 1, total, f"update {stage}'s configuration and wait until it settles"
        ):
            self.update_configuration(target, merge, config)
        with step(say, first + 2, total, f"update {stage}'s code and wait until it settles"):
            self.update_code(target, code.bucket, code.upload(), code.sha256)
        with step(say, first + 3, total, publish_title):
            version = self.publish(target, code.sha256, merge, code.description)
        return version

    def deploy_staging(
        self,
        release: Release,
        staging: Target,
        prod: Target | None,
        new: Mapping[str, str],
        unset: Sequence[str],
        waiver_event: str | None = None,
    ) -> str:
        say, total = self.say, 9
        say(f"deploying build {release.commit} ({release.built_at}) to {staging.stage}")
        prod_version: str | None = None
        with step(say, 1, total, "record what prod runs now"):
            if prod is None:
                say("  no prod stack yet: nothing to record")
            else:
                prod_version = str(self.alias(prod)["FunctionVersion"])
                say(f"  prod: {prod.function_name} alias prod -> version {prod_version}")
        code = Code(
            staging.bucket,
            lambda: self.put_release(staging, release),
            release.code_sha256,
            f"build {release.commit} {release.built_at}",
        )
        version = self.new_version(
            staging,
            new,
            unset,
            code,
            (2, total),
            "publish a version (code and configuration frozen together)",
        )
        with step(say, 6, total, "upload the static assets"):
            changed = self.upload_assets(staging.bucket, release.assets, release.asset_bytes)
        with step(say, 7, total, f"point the {staging.alias} alias at version {version}"):
            self.move_alias(staging, version, "deploy staging")
        with step(say, 8, total, "invalidate what changed"):
            self.invalidate(staging, changed)
        with step(say, 9, total, "smoke-test staging"):
            self.smoke(staging, waiver_event)
        if prod is not None and prod_version is not None:
            now = str(self.alias(prod)["FunctionVersion"])
            if now != prod_version:  # someone else moved it meanwhile; say so
                say(f"note: prod moved from {prod_version} to {now} during this deploy")
            else:
                say(f"prod untouched: still version {prod_version}")
        say(f"staging runs version {version}: {staging.site_url}")
        say("next: check it, then `scc deploy promote`")
        return version

    def promote(
        self,
        staging: Target,
        prod: Target,
        new: Mapping[str, str],
        unset: Sequence[str],
        waiver_event: str | None = None,
        keep_versions: int = KEEP_VERSIONS,
    ) -> str:
        """Then, prod's new version serving, each stage keeps its last `keep_versions`
        versions (and every one an alias needs); older ones are deleted."""
        say, total = self.say, 12
        s3 = self.clients.s3
        with step(say, 1, total, "smoke-test staging"):
            self.smoke(staging, waiver_event)
        with step(say, 2, total, "record what prod runs now"):
            before = self.alias(prod)
            prod_version = str(before["FunctionVersion"])
            say(f"  {prod.function_name} alias prod -> version {prod_version}")
        with step(say, 3, total, "find the exact code staging runs"):
            staging_version = str(self.alias(staging)["FunctionVersion"])
            running = self.lam.get_function_configuration(
                FunctionName=staging.function_name, Qualifier=staging_version
            )
            code_sha256 = str(running["CodeSha256"])
            hex_name = code_hex(code_sha256)
            zip_key = f"releases/{hex_name}.zip"
            manifest = json.loads(
                s3.get_object(Bucket=staging.bucket, Key=f"releases/{hex_name}.json")["Body"].read()
            )
            if manifest["code_sha256"] != code_sha256:
                raise DeployError(f"releases/{hex_name}.json describes other code")
            s3.head_object(Bucket=staging.bucket, Key=zip_key)
            release = parse_manifest(Path("."), manifest)
            say(f"  staging version {staging_version}: build {release.commit}, code {code_sha256}")
        code = Code(
            staging.bucket,
            lambda: zip_key,  # already there: staging's version was made from it
            code_sha256,
            f"build {release.commit}, promoted from staging version {staging_version}",
        )
        version = self.new_version(
            prod, new, unset, code, (4, total), "publish a prod version (same code as staging)"
        )
        with step(say, 8, total, "copy the static assets to prod's bucket"):

            def content(asset: Asset) -> bytes:
                body: bytes = s3.get_object(Bucket=staging.bucket, Key=asset.key)["Body"].read()
                return body

            changed = self.upload_assets(prod.bucket, release.assets, content)
        with step(say, 9, total, f"point the prod alias at version {version}"):
            self.move_alias(prod, version, "promote")
        try:
            with step(say, 10, total, "invalidate what changed"):
                self.invalidate(prod, changed)
            with step(say, 11, total, "smoke-test prod"):
                self.smoke(prod, waiver_event)
        except DeployError as failure:
            say(f"{failure}\nrolling prod back to version {prod_version}")
            try:
                self.lam.update_alias(
                    FunctionName=prod.function_name,
                    Name=prod.alias,
                    FunctionVersion=prod_version,
                    Description=failed_promote_record(before, version),
                )
            except Exception as exc:
                raise DeployError(
                    f"{failure}; rolling back ALSO failed ({exc}): prod runs version "
                    f"{version}. Run `scc deploy rollback` now"
                ) from failure
            raise DeployError(f"{failure}; prod is back on version {prod_version}") from failure
        with step(say, 12, total, f"keep the last {keep_versions} versions of each stage"):
            for target in (prod, staging):
                try:
                    prune(self.lam, target, keep_versions, say)
                except Exception as exc:  # prod is promoted all the same; say so
                    say(f"  could not prune {target.function_name}: {exc}; the next promote will")
        say(f"prod runs version {version} ({release.commit}): {prod.site_url}")
        say(f"to undo: `scc deploy rollback` (back to version {prod_version})")
        return version

    def rollback(self, target: Target, waiver_event: str | None = None) -> str:
        say, total = self.say, 3
        with step(say, 1, total, f"read what the {target.alias} alias recorded"):
            current = self.alias(target)
            previous = recorded_previous(current)
            if previous is None:
                raise DeployError(
                    f"alias {target.alias} records no previous version: nothing to roll back to"
                )
            now = str(current["FunctionVersion"])
            say(f"  {target.alias} -> version {now}; before it: version {previous}")
        with step(say, 2, total, f"point {target.alias} back at version {previous}"):
            self.move_alias(target, previous, "rollback")
        with step(say, 3, total, f"smoke-test {target.stage}"):
            self.smoke(target, waiver_event)
        say(f"{target.stage} runs version {previous} again (rollback again returns to {now})")
        return previous
