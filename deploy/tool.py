"""`scc deploy build|staging|promote|rollback`: the only way the app reaches AWS.

Two CloudFormation stacks from `infra/template.yaml`, one per stage (`scc-staging`,
`scc-prod`), each with its own tables, Lambda function (alias named after the stage),
static bucket and CloudFront distribution. The tool reads every name it needs from the
stacks' outputs.

- `build` makes the Lambda zip (app, templates, partials, waiver texts, static files,
  dependencies for Lambda's Linux and Python) and the static assets under their
  content-hashed names, with a release manifest.
- `staging` deploys the build to the staging function in a fixed order; a version
  freezes code and configuration together and only then does the `staging` alias move.
- `promote` smoke-tests staging, then publishes the exact code staging runs (same
  SHA-256) to the prod function with prod's configuration and moves `prod`; a failed
  smoke test of prod moves it straight back.
- `rollback` points an alias back at the version it pointed at before, in one call.

Every alias move records the version it left in the alias description, so rollback
needs nothing stored on the operator's machine. Nothing here moves the prod alias
except promote's step that says so, and rollback.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import mimetypes
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.settings import Settings, SettingsError
from server.web.assets import IMMUTABLE, hashed_name

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = ROOT / "build" / "deploy"

RUNTIME = "python3.12"  # must match infra/template.yaml
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_x86_64"  # Lambda's x86_64 Linux (the template's architecture)
HANDLER = "server.lambda_handler.handler"
STAGES = ("staging", "prod")

# What goes into the zip from the repository, besides the dependencies. `static/` is in
# it too because the app computes the hashed asset names from those files at start-up;
# in production CloudFront serves them from S3, never from the function.
APP_DIRS = ("server", "templates", "partials", "waivers", "static")
SKIP_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache"})
# google-api-python-client ships ~110 MB of discovery documents for every Google API;
# the app only builds the Gmail client (static discovery), so the zip keeps that one.
UNUSED = re.compile(r"^googleapiclient/discovery_cache/documents/(?!gmail\.v1\.json$)[^/]+$")

# Every variable the deployed app needs; a deploy that would leave one out is refused.
REQUIRED = (
    "SCC_SECRET_KEY",
    "SCC_TABLE_PREFIX",
    "SCC_BASE_URL",
    "SCC_ORIGIN_SECRET",
    "GMAIL_TOKEN",
    "GMAIL_SENDER",
    "GMAIL_RECIPIENT",
)
# Set from the stack's outputs, so a stage can never be pointed at another's tables.
FROM_STACK = ("SCC_TABLE_PREFIX", "SCC_BASE_URL")
# Local-only settings that must never reach Lambda (they would bypass real AWS).
LOCAL_ONLY = ("SCC_DYNAMODB_ENDPOINT", "SCC_GMAIL_API_ENDPOINT")
# Lambda sets these itself and refuses them in a function's configuration.
RESERVED = re.compile(r"^(AWS_.*|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR)$")

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}

Say = Callable[[str], None]
Fetch = Callable[[str], "FetchResult"]


class DeployError(Exception):
    """A step failed or a check refused; the message says which and what to do."""


# --- build ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    """One static file: its S3 key (`static/<hashed name>`) and content digest."""

    key: str
    sha256: str
    content_type: str


@dataclass(frozen=True)
class Release:
    """What `scc deploy build` made, as recorded in `release.json`."""

    directory: Path
    code_sha256: str  # base64, as Lambda reports CodeSha256
    commit: str
    built_at: str
    assets: tuple[Asset, ...]

    @property
    def zip_path(self) -> Path:
        return self.directory / "lambda.zip"

    @property
    def code_hex(self) -> str:
        return code_hex(self.code_sha256)

    def asset_bytes(self, asset: Asset) -> bytes:
        return (self.directory / asset.key).read_bytes()

    def manifest(self) -> dict[str, Any]:
        return {
            "code_sha256": self.code_sha256,
            "commit": self.commit,
            "built_at": self.built_at,
            "runtime": RUNTIME,
            "assets": [
                {"key": a.key, "sha256": a.sha256, "content_type": a.content_type}
                for a in self.assets
            ],
        }


def code_hex(code_sha256: str) -> str:
    return base64.b64decode(code_sha256).hex()


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def project_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    data = tomllib.loads(pyproject.read_text())
    return list(data["project"]["dependencies"])


def install_dependencies(target: Path, say: Say = print) -> None:
    """The project's dependencies as wheels for Lambda (Linux x86_64, CPython 3.12),
    whatever machine builds: binary wheels only, never compiled here."""
    requirements = project_dependencies()
    say(f"  installing {len(requirements)} dependencies for {PLATFORM}, Python {PYTHON_VERSION}")
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", PYTHON_VERSION, "--only-binary=:all:",
        "--target", str(target), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise DeployError(f"pip could not install the Lambda dependencies:\n{result.stderr}")


def _files(base: Path) -> Iterator[Path]:
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if not path.is_file() or SKIP_PARTS & set(relative.parts[:-1]):
            continue
        if path.suffix in (".pyc", ".pyo") or path.name.startswith("."):
            continue
        yield path


def _write_zip(destination: Path, sources: Sequence[tuple[Path, str]]) -> None:
    """A reproducible zip: sorted entries, fixed timestamps and modes, so the same
    sources give the same bytes and the same CodeSha256."""
    entries: dict[str, Path] = {}
    for base, prefix in sources:
        for path in _files(base):
            name = prefix + path.relative_to(base).as_posix()
            if UNUSED.match(name) or name.startswith("bin/"):  # pip's console scripts
                continue
            entries[name] = path
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes())


def _git_commit(root: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip() + ("-dirty" if dirty else "")


def build(
    out: Path = DEFAULT_BUILD, *, root: Path = ROOT, install_deps: bool = True, say: Say = print
) -> Release:
    """Make `out/lambda.zip`, `out/static/<hashed names>` and `out/release.json`."""
    if not (root / "static" / "vendor" / "htmx.min.js").exists():
        raise DeployError("static/vendor/htmx.min.js is missing: run `make setup` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sources = [(root / name, f"{name}/") for name in APP_DIRS]
    with tempfile.TemporaryDirectory(prefix="scc-deps-") as tmp:
        if install_deps:
            install_dependencies(Path(tmp), say)
            sources.append((Path(tmp), ""))
        else:
            say("  --no-deps: dependencies left out (this zip cannot run on Lambda)")
        _write_zip(out / "lambda.zip", sources)
    data = (out / "lambda.zip").read_bytes()
    code_sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
    say(f"  lambda.zip: {len(data) / 1e6:.1f} MB, CodeSha256 {code_sha256}")

    assets = []
    static = root / "static"
    for path in _files(static):
        relative = path.relative_to(static).as_posix()
        content = path.read_bytes()
        key = f"static/{hashed_name(relative, content)}"
        (out / key).parent.mkdir(parents=True, exist_ok=True)
        (out / key).write_bytes(content)
        assets.append(Asset(key, hashlib.sha256(content).hexdigest(), content_type(relative)))
    say(f"  {len(assets)} static assets under content-hashed names in {out / 'static'}")

    release = Release(
        directory=out,
        code_sha256=code_sha256,
        commit=_git_commit(root),
        built_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        assets=tuple(assets),
    )
    (out / "release.json").write_text(json.dumps(release.manifest(), indent=2) + "\n")
    return release


def parse_manifest(directory: Path, manifest: Mapping[str, Any]) -> Release:
    return Release(
        directory=directory,
        code_sha256=str(manifest["code_sha256"]),
        commit=str(manifest.get("commit", "unknown")),
        built_at=str(manifest.get("built_at", "")),
        assets=tuple(
            Asset(str(a["key"]), str(a["sha256"]), str(a["content_type"]))
            for a in manifest["assets"]
        ),
    )


def load_release(directory: Path = DEFAULT_BUILD) -> Release:
    """The build in `directory`, checked against its manifest."""
    manifest_path = directory / "release.json"
    if not manifest_path.exists():
        raise DeployError(f"no build in {directory}: run `scc deploy build` first")
    release = parse_manifest(directory, json.loads(manifest_path.read_text()))
    data = release.zip_path.read_bytes()
    if base64.b64encode(hashlib.sha256(data).digest()).decode() != release.code_sha256:
        raise DeployError(f"{release.zip_path} does not match release.json: build again")
    for asset in release.assets:
        if hashlib.sha256(release.asset_bytes(asset)).hexdigest() != asset.sha256:
            raise DeployError(f"{directory / asset.key} does not match release.json: build again")
    return release


# --- the stacks -------------------------------------------------------------------------


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


# --- environment ----------------------------------------------------------------------


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
) -> Merge:
    """The function's current variables, minus `unset`, plus `new`, plus the stack's
    facts; refused when a required one would be missing or any is invalid. Variables
    not mentioned are kept as they are (the Gmail ones included)."""
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
    missing = [k for k in REQUIRED if not merged.get(k)]
    if missing:
        raise DeployError(
            f"refusing to deploy: required variable(s) {', '.join(missing)} would be missing. "
            "Pass them with --env-file FILE or --set KEY=VALUE; nothing was changed"
        )
    if not merged["SCC_BASE_URL"].startswith("https://"):
        raise DeployError("refusing to deploy: SCC_BASE_URL must be an https:// URL")
    try:
        Settings.from_env({**merged, "AWS_REGION": region})
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


# --- smoke test -----------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    status: int
    headers: dict[str, str]
    body: bytes


def http_fetch(url: str) -> FetchResult:
    request = urllib.request.Request(url, headers={"User-Agent": "scc-deploy-smoke-test"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return FetchResult(response.status, headers, response.read())
    except urllib.error.HTTPError as exc:
        headers = {k.lower(): v for k, v in exc.headers.items()}
        return FetchResult(exc.code, headers, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise DeployError(f"{url}: {exc}") from exc


SMOKE_EVENT = "2000-01-01-smoke"  # a well-formed id no one books: the app must say 404


def smoke_test(base_url: str, fetch: Fetch, waiver_event: str | None, say: Say) -> None:
    """`/healthz`, the login page and every static asset it links, a waiver page.
    Proves the app answers through CloudFront and static files come from S3."""
    base = base_url.rstrip("/")

    def get(path: str) -> FetchResult:
        return fetch(base + path)

    def is_html(result: FetchResult) -> bool:
        return result.headers.get("content-type", "").startswith("text/html")

    health = get("/healthz")
    if health.status != 200 or health.body.strip() != b"ok":
        raise DeployError(f"/healthz answered {health.status}: {health.body[:200]!r}")
    say("  /healthz: 200 ok")

    login = get("/login")
    if login.status != 200 or not is_html(login) or b'name="csrf_token"' not in login.body:
        raise DeployError(f"/login answered {login.status} without the sign-in form")
    say("  /login: 200, the sign-in form")
    for path in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', login.body.decode()))):
        asset = get(path)
        if asset.status != 200 or "immutable" not in asset.headers.get("cache-control", ""):
            raise DeployError(
                f"{path} answered {asset.status} ({asset.headers.get('cache-control')}): "
                "the static assets are not in the bucket"
            )
        say(f"  {path}: 200, immutable")

    if waiver_event:
        waiver = get(f"/g/{waiver_event}/waiver")
        if waiver.status != 200 or not is_html(waiver) or b"<form" not in waiver.body:
            raise DeployError(f"/g/{waiver_event}/waiver answered {waiver.status}")
        say(f"  /g/{waiver_event}/waiver: 200, the waiver form")
    else:
        # No trip to sign for: an unknown trip must get the app's own 404 page (not
        # S3's XML error, which is what a misrouted path would get).
        path = f"/g/{SMOKE_EVENT}/waiver"
        waiver = get(path)
        if waiver.status != 404 or not is_html(waiver) or b"Ship Captain Crew" not in waiver.body:
            raise DeployError(
                f"{path} answered {waiver.status} {waiver.headers.get('content-type')}: "
                "not the app's 404 page, so waiver links do not reach the app"
            )
        say(f"  {path}: the app's 404 page (pass --waiver-event ID to check a real one)")


# --- the deployer ---------------------------------------------------------------------


@dataclass
class Clients:
    lambda_: Any
    s3: Any
    cloudfront: Any
    region: str


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


def alias_record(previous: str, action: str) -> str:
    """The alias description: the version it left, for rollback."""
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"previous": previous, "by": action, "at": when})


@dataclass
class Deployer:
    clients: Clients
    say: Say = print
    fetch: Fetch | None = None  # default: http_fetch (urllib)
    waiter_delay: int = 2

    # -- AWS helpers --

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
        config: dict[str, Any] = self.lam.get_function_configuration(
            FunctionName=target.function_name
        )
        if config.get("Runtime") != RUNTIME:
            raise DeployError(
                f"{target.function_name} runs {config.get('Runtime')}, the build is for "
                f"{RUNTIME}: update the stack from infra/template.yaml"
            )
        current = config.get("Environment", {}).get("Variables", {})
        stack = {"SCC_TABLE_PREFIX": target.table_prefix, "SCC_BASE_URL": target.site_url}
        merge = merge_environment(current, new, unset, stack, self.clients.region)
        self.say(f"  {target.function_name}: {merge.report}")
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
        smoke_test(target.site_url, self.fetch or http_fetch, waiver_event, self.say)

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

    # -- the commands --

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
        with step(say, 2, total, "merge the settings into the function's environment"):
            merge, config = self.merged_environment(staging, new, unset)
        with step(say, 3, total, "update the configuration and wait until it settles"):
            self.update_configuration(staging, merge, config)
        with step(say, 4, total, "update the code and wait until it settles"):
            key = self.put_release(staging, release)
            self.update_code(staging, staging.bucket, key, release.code_sha256)
        with step(say, 5, total, "publish a version (code and configuration frozen together)"):
            version = self.publish(
                staging, release.code_sha256, merge, f"build {release.commit} {release.built_at}"
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
    ) -> str:
        say, total = self.say, 11
        s3 = self.clients.s3
        with step(say, 1, total, "smoke-test staging"):
            self.smoke(staging, waiver_event)
        with step(say, 2, total, "record what prod runs now"):
            prod_version = str(self.alias(prod)["FunctionVersion"])
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
        with step(say, 4, total, "merge the settings into prod's environment"):
            merge, config = self.merged_environment(prod, new, unset)
        with step(say, 5, total, "update prod's configuration and wait until it settles"):
            self.update_configuration(prod, merge, config)
        with step(say, 6, total, "update prod's code and wait until it settles"):
            self.update_code(prod, staging.bucket, zip_key, code_sha256)
        with step(say, 7, total, "publish a prod version (same code as staging)"):
            version = self.publish(
                prod,
                code_sha256,
                merge,
                f"build {release.commit}, promoted from staging version {staging_version}",
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
                    Description=alias_record(version, "promote failed, rolled back"),
                )
            except Exception as exc:
                raise DeployError(
                    f"{failure}; rolling back ALSO failed ({exc}): prod runs version "
                    f"{version}. Run `scc deploy rollback` now"
                ) from failure
            raise DeployError(f"{failure}; prod is back on version {prod_version}") from failure
        say(f"prod runs version {version} ({release.commit}): {prod.site_url}")
        say(f"to undo: `scc deploy rollback` (back to version {prod_version})")
        return version

    def rollback(self, target: Target, waiver_event: str | None = None) -> str:
        say, total = self.say, 3
        with step(say, 1, total, f"read what the {target.alias} alias recorded"):
            current = self.alias(target)
            try:
                previous = str(json.loads(current.get("Description") or "")["previous"])
            except (ValueError, KeyError, TypeError):
                raise DeployError(
                    f"alias {target.alias} records no previous version: nothing to roll back to"
                ) from None
            now = str(current["FunctionVersion"])
            say(f"  {target.alias} -> version {now}; before it: version {previous}")
        with step(say, 2, total, f"point {target.alias} back at version {previous}"):
            self.move_alias(target, previous, "rollback")
        with step(say, 3, total, f"smoke-test {target.stage}"):
            self.smoke(target, waiver_event)
        say(f"{target.stage} runs version {previous} again (rollback again returns to {now})")
        return previous


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


# --- the CLI --------------------------------------------------------------------------


def _session(args: argparse.Namespace) -> tuple[Any, Clients]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    region = session.region_name
    if not region:
        raise DeployError("no AWS region: pass --region or configure one for your profile")
    config = Config(retries={"mode": "standard", "max_attempts": 5})
    clients = Clients(
        lambda_=session.client("lambda", config=config),
        s3=session.client("s3", config=config),
        cloudfront=session.client("cloudfront", config=config),
        region=region,
    )
    return session.client("cloudformation", config=config), clients


def _new_settings(args: argparse.Namespace) -> dict[str, str]:
    values: dict[str, str] = {}
    if args.env_file:
        path = Path(args.env_file)
        values.update(parse_assignments(path.read_text().splitlines(), str(path)))
    values.update(parse_assignments(args.set or [], "--set"))
    return values


def _targets(args: argparse.Namespace, cloudformation: Any) -> tuple[Target, Target | None]:
    staging = read_target(cloudformation, f"{args.stack_prefix}-staging", "staging")
    prod_stack = f"{args.stack_prefix}-prod"
    if not stack_exists(cloudformation, prod_stack):
        return staging, None
    return staging, read_target(cloudformation, prod_stack, "prod")


def cmd_build(args: argparse.Namespace) -> int:
    print(f"building into {args.out}")
    release = build(Path(args.out), install_deps=not args.no_deps)
    print(f"build {release.commit} ready: {release.zip_path}")
    return 0


def cmd_staging(args: argparse.Namespace) -> int:
    release = load_release(Path(args.build_dir))
    new = _new_settings(args)
    cloudformation, clients = _session(args)
    staging, prod = _targets(args, cloudformation)
    Deployer(clients).deploy_staging(
        release, staging, prod, new, args.unset or [], args.waiver_event
    )
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    new = _new_settings(args)
    cloudformation, clients = _session(args)
    staging, prod = _targets(args, cloudformation)
    if prod is None:
        raise DeployError(f"stack {args.stack_prefix}-prod does not exist: create it first")
    Deployer(clients).promote(staging, prod, new, args.unset or [], args.waiver_event)
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    cloudformation, clients = _session(args)
    target = read_target(cloudformation, f"{args.stack_prefix}-{args.stage}", args.stage)
    Deployer(clients).rollback(target, args.waiver_event)
    return 0


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        started = time.monotonic()
        try:
            result = command(args)
        except DeployError as exc:
            print(f"deploy failed: {exc}", file=sys.stderr)
            return 1
        print(f"done in {time.monotonic() - started:.0f} s")
        return result

    return run


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `scc deploy build|staging|promote|rollback`."""
    deploy = subparsers.add_parser(
        "deploy", help="build, deploy to staging, promote to prod, roll back"
    ).add_subparsers(dest="deploy_command", required=True)

    def aws(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--stack-prefix", default="scc", help="stacks are PREFIX-staging and PREFIX-prod"
        )
        parser.add_argument("--region", help="AWS region of the stacks (default: your profile's)")
        parser.add_argument("--profile", help="AWS credentials profile")
        parser.add_argument(
            "--waiver-event", help="an event id whose waiver page the smoke test opens"
        )

    def settings(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--env-file", help="KEY=VALUE lines merged into the environment")
        parser.add_argument(
            "--set", action="append", metavar="KEY=VALUE", help="merge one variable (repeat)"
        )
        parser.add_argument("--unset", action="append", metavar="KEY", help="remove a variable")

    build_parser = deploy.add_parser("build", help="the Lambda zip and hashed static assets")
    build_parser.add_argument("--out", default=str(DEFAULT_BUILD))
    build_parser.add_argument(
        "--no-deps", action="store_true", help="leave dependencies out (tests only)"
    )
    build_parser.set_defaults(func=_guarded(cmd_build))

    staging = deploy.add_parser("staging", help="deploy the build to staging")
    staging.add_argument("--build-dir", default=str(DEFAULT_BUILD))
    aws(staging)
    settings(staging)
    staging.set_defaults(func=_guarded(cmd_staging))

    promote = deploy.add_parser("promote", help="run what staging runs in prod")
    aws(promote)
    settings(promote)
    promote.set_defaults(func=_guarded(cmd_promote))

    rollback = deploy.add_parser("rollback", help="point prod back at its previous version")
    rollback.add_argument("--stage", choices=STAGES, default="prod")
    aws(rollback)
    rollback.set_defaults(func=_guarded(cmd_rollback))
