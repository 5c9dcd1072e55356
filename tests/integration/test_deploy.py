"""`scc deploy` against moto's in-process AWS (Lambda, S3, CloudFront): the build, the
step order, the environment merge and its refusals, promote, rollback, and that a
failure at any step leaves the prod alias where it was. Never reaches real AWS: fake
credentials, `mock_aws`, and the smoke tests hit a local http.server."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from deploy import build as building
from deploy import cli, smoke
from deploy.build import build
from deploy.environment import REQUIRED, merge_environment
from deploy.errors import DeployError
from deploy.release import HANDLER, Release, load_release
from deploy.smoke import FetchResult, http_fetch
from deploy.stacks import Target, read_target
from deploy.stages import Deployer
from deploy.steps import Clients
from server import ROOT
from server.__main__ import main
from server.store import Store
from server.web.assets import IMMUTABLE, Assets
from tests.conftest import SECRET
from tests.helpers.aws import (
    GMAIL_TOKEN,
    ORIGIN_SECRET,
    REGION,
    placeholder_zip,
    stage_env,
    url_event,
)

# --- the build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return build(
        tmp_path_factory.mktemp("build") / "deploy", install_deps=False, say=lambda _: None
    )


def test_build_makes_the_lambda_zip(release: Release) -> None:
    with zipfile.ZipFile(release.zip_path) as archive:
        names = set(archive.namelist())
    for required in (
        "server/lambda_handler.py",
        "server/app.py",
        "server/web/origin.py",
        "server/store/tables.py",
        "templates/base.html",
        "partials/_error.html",
        "waivers/standard-v1.md",
    ):
        assert required in names, required
    tops = {n.split("/")[0] for n in names}
    assert tops == {"server", "templates", "partials", "waivers", "static"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("tests/", "e2e/", "node_modules/", "var/"))]
    # The tooling stays on the operator's machine: the deploy tool, the local dynalite
    # runner and the demo seed (which are in the tree, under the folders the zip takes).
    assert (ROOT / "server" / "dev" / "seed.py").exists() and (ROOT / "deploy").is_dir()
    assert not [n for n in names if n.startswith(("deploy/", "server/dev/"))]
    # The app reads static/ to know the hashed names; it never serves them in production.
    assert "static/app.css" in names and "static/vendor/htmx.min.js" in names


def test_build_puts_static_assets_under_the_names_the_templates_use(release: Release) -> None:
    assets = Assets(ROOT / "static")
    manifest = json.loads((release.directory / "release.json").read_text())
    keys = {a["key"] for a in manifest["assets"]}
    assert keys == {f"static/{hashed}" for hashed in assets.names.values()}
    for name in assets.names:
        url = assets.url(name)  # what base.html links, e.g. /static/app.<hash>.css
        built = release.directory / url.lstrip("/")
        assert built.read_bytes() == assets.content(name)  # the manifest: links hashed
    types = {a["key"].rsplit(".", 1)[-1]: a["content_type"] for a in manifest["assets"]}
    assert types["css"].startswith("text/css") and types["js"].startswith("text/javascript")
    assert not list((release.directory / "static").rglob("app.css"))  # hashed names only


RUN_FROM_ZIP = """
import json, sys
import server
from server import lambda_handler
assert server.__file__.startswith(sys.argv[1]), server.__file__
for event in json.loads(sys.stdin.read()):
    print(json.dumps(lambda_handler.handler(event, None)))
"""


def test_the_zip_runs_as_lambda_would(release: Release, store: Store, tmp_path: Path) -> None:
    """Extract the zip and call the handler from it in a fresh interpreter (this
    machine's own dependencies stand in for the Lambda wheels that --no-deps leaves out):
    the templates, waiver texts and static names must all be found inside the zip."""
    task = tmp_path / "var-task"
    with zipfile.ZipFile(release.zip_path) as archive:
        archive.extractall(task)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(task),
        "SCC_SECRET_KEY": SECRET,
        "SCC_DYNAMODB_ENDPOINT": store.settings.dynamodb_endpoint or "",
        "SCC_TABLE_PREFIX": store.settings.table_prefix,
        "SCC_BASE_URL": "https://scc.example",
        "SCC_ORIGIN_SECRET": ORIGIN_SECRET,
        "AWS_REGION": REGION,
    }
    events = [url_event("GET", "/login"), url_event("GET", "/g/2000-01-01-smoke/waiver")]
    result = subprocess.run(
        [sys.executable, "-c", RUN_FROM_ZIP, str(task)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    login, waiver = (json.loads(line) for line in result.stdout.splitlines())
    assert login["statusCode"] == 200, login
    linked = set(re.findall(r'"/(static/[^"]+)"', login["body"]))
    assert any(key.startswith("static/app.") for key in linked)
    assert linked <= {asset.key for asset in release.assets}  # the names the bucket holds
    assert waiver["statusCode"] == 404 and "Ship Captain Crew" in waiver["body"]


def test_build_is_reproducible_and_checked(tmp_path: Path) -> None:
    first = build(tmp_path / "first", install_deps=False, say=lambda _: None)
    again = build(tmp_path / "deploy", install_deps=False, say=lambda _: None)
    assert again.code_sha256 == first.code_sha256  # same sources, same bytes
    digest = hashlib.sha256(again.zip_path.read_bytes()).digest()
    assert base64.b64encode(digest).decode() == again.code_sha256
    assert load_release(tmp_path / "deploy").code_sha256 == again.code_sha256
    (tmp_path / "deploy" / "lambda.zip").write_bytes(b"tampered")
    with pytest.raises(DeployError, match="does not match"):
        load_release(tmp_path / "deploy")
    with pytest.raises(DeployError, match="scc deploy build"):
        load_release(tmp_path / "nothing")


def test_the_zip_leaves_out_what_never_runs(tmp_path: Path) -> None:
    deps = tmp_path / "deps"
    for name in (
        "googleapiclient/discovery_cache/documents/gmail.v1.json",
        "googleapiclient/discovery_cache/documents/drive.v3.json",
        "googleapiclient/discovery_cache/__init__.py",
        "bin/uvicorn",
        "botocore/bin/kept.py",
        "jinja2/__pycache__/x.cpython-312.pyc",
        "jinja2/__init__.py",
    ):
        (deps / name).parent.mkdir(parents=True, exist_ok=True)
        (deps / name).write_text("x")
    building._write_zip(tmp_path / "z.zip", [(deps, "")])
    with zipfile.ZipFile(tmp_path / "z.zip") as archive:
        assert sorted(archive.namelist()) == [
            "botocore/bin/kept.py",
            "googleapiclient/discovery_cache/__init__.py",
            "googleapiclient/discovery_cache/documents/gmail.v1.json",
            "jinja2/__init__.py",
        ]


def test_dependencies_are_wheels_for_lambdas_linux_and_python(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[list[str]] = []

    class Done:
        returncode = 0
        stderr = ""

    def run(command: list[str], **kwargs: Any) -> Done:
        seen.append(command)
        return Done()

    monkeypatch.setattr("deploy.build.subprocess.run", run)
    building.install_dependencies(tmp_path, say=lambda _: None)
    (command,) = seen
    text = " ".join(command)
    assert "--platform manylinux2014_x86_64" in text and "--only-binary=:all:" in text
    assert "--python-version 3.12" in text and f"--target {tmp_path}" in text
    assert "--implementation cp" in text
    requirements = [c for c in command if re.match(r"^[a-z0-9-]+(\[|>|=|<|$)", c)]
    names = {re.split(r"[\[<>=]", r)[0] for r in requirements}
    assert {"starlette", "jinja2", "mangum", "argon2-cffi", "boto3"} <= names


def test_build_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "build", "--out", str(tmp_path / "d"), "--no-deps"]) == 0
    assert (tmp_path / "d" / "lambda.zip").exists()
    assert "ready" in capsys.readouterr().out


# --- the AWS world ----------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fake credentials and region, no config files, every call answered by moto."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    with mock_aws():
        yield


def make_stage(stage: str, role: str, clients: Clients) -> Target:
    """What `infra/template.yaml` creates for a stage, made directly in moto."""
    lam = clients.lambda_
    name = f"scc-{stage}-app"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": placeholder_zip()},
        Environment={"Variables": stage_env(stage)},
    )
    first = lam.publish_version(  # as AppFirstVersion describes it
        FunctionName=name, Description="placeholder, before the first deploy"
    )["Version"]
    lam.create_alias(FunctionName=name, Name=stage, FunctionVersion=first)
    bucket = f"scc-{stage}-staticbucket-1a2b3c"
    clients.s3.create_bucket(Bucket=bucket)
    distribution = clients.cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": stage,
            "Comment": stage,
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "static",
                        "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "static",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            },
        }
    )["Distribution"]["Id"]
    return Target(
        stage=stage,
        function_name=name,
        bucket=bucket,
        distribution_id=distribution,
        site_url=f"https://{stage}.scc.example",
        table_prefix=f"scc-{stage}-",
    )


@dataclass
class Site:
    """Both stages' CloudFront, played by one local http.server: the app's answers from
    the fake function, `/static/*` straight from the stage's (moto) bucket."""

    release: Release
    buckets: dict[str, str]
    s3: Any = None  # its own client: its reads are not the deployer's calls
    port: int = 0
    broken: set[str] = field(default_factory=set)  # stages whose /healthz answers 503
    fetched: list[str] = field(default_factory=list)

    def answer(self, stage: str, path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/healthz":
            if stage in self.broken:
                return 503, {}, b"unavailable: cannot reach the database"
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if path == "/login":
            links = "".join(f'<link href="/{a.key}">' for a in self.release.assets)
            form = '<form method="post"><input name="csrf_token" value="ab12"></form>'
            return 200, html, f"<html><head>{links}</head>{form}</html>".encode()
        if path.startswith("/static/"):
            try:
                got = self.s3.get_object(Bucket=self.buckets[stage], Key=path.lstrip("/"))
            except ClientError:
                return 403, {"Content-Type": "application/xml"}, b"<Error>AccessDenied</Error>"
            return 200, {"Cache-Control": got["CacheControl"]}, got["Body"].read()
        return 404, html, b"<html><title>Not found \xc2\xb7 Ship Captain Crew</title></html>"

    def fetch(self, url: str) -> FetchResult:
        """The deployer's fetch: https://STAGE.scc.example/... -> this server."""
        match = re.fullmatch(r"https://(\w+)\.scc\.example(/.*)", url)
        assert match, url
        self.fetched.append(url)
        return http_fetch(f"http://127.0.0.1:{self.port}/{match[1]}{match[2]}")


@pytest.fixture
def site(release: Release, aws: None) -> Iterator[Site]:
    result = Site(release, {}, boto3.client("s3", region_name=REGION))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            stage, _, rest = self.path.lstrip("/").partition("/")
            status, headers, body = result.answer(stage, "/" + rest)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    result.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield result
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class World:
    staging: Target
    prod: Target
    clients: Clients
    site: Site
    calls: list[tuple[str, str, str]]  # (service, operation, the name it acted on)
    output: list[str]
    failures: list[Callable[[str, dict[str, Any]], bool]] = field(default_factory=list)

    def deployer(self) -> Deployer:
        return Deployer(self.clients, say=self.output.append, fetch=self.fetch, waiter_delay=1)

    def fetch(self, url: str) -> FetchResult:
        self.calls.append(("https", "GET", url.split(".example", 1)[1]))
        return self.site.fetch(url)

    def alias(self, target: Target) -> dict[str, Any]:
        got = self.clients.lambda_.get_alias(FunctionName=target.function_name, Name=target.alias)
        return {"version": got["FunctionVersion"], "description": got.get("Description", "")}

    def version_config(self, target: Target) -> dict[str, Any]:
        version = self.alias(target)["version"]
        config: dict[str, Any] = self.clients.lambda_.get_function_configuration(
            FunctionName=target.function_name, Qualifier=version
        )
        return config

    def ops(self, service: str | None = None) -> list[str]:
        return [op for s, op, _ in self.calls if service in (None, s)]

    def index(self, operation: str, name: str | None = None) -> int:
        for i, (_, op, acted_on) in enumerate(self.calls):
            if op == operation and (name is None or acted_on.startswith(name)):
                return i
        raise AssertionError(f"{operation} {name or ''} was never called: {self.calls}")


@pytest.fixture
def world(site: Site, release: Release) -> World:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="scc-app", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clients = Clients(
        lambda_=boto3.client("lambda", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
        cloudfront=boto3.client("cloudfront", region_name=REGION),
        region=REGION,
    )
    staging, prod = make_stage("staging", role, clients), make_stage("prod", role, clients)
    site.buckets = {"staging": staging.bucket, "prod": prod.bucket}
    result = World(staging, prod, clients, site, [], [])

    def record(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        service = model.service_model.service_name
        acted_on = str(params.get("FunctionName") or params.get("Key") or "")
        if model.name in ("UpdateAlias", "GetAlias"):
            acted_on = f"{params['FunctionName']}:{params['Name']}"
        result.calls.append((service, model.name, acted_on))
        for fail in result.failures:
            if fail(model.name, params):
                raise ClientError(
                    {"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, model.name
                )

    for client in (clients.lambda_, clients.s3, clients.cloudfront):
        client.meta.events.register("before-parameter-build", record)
    return result


def fail_on(operation: str, **match: str) -> Callable[[str, dict[str, Any]], bool]:
    def check(op: str, params: dict[str, Any]) -> bool:
        return op == operation and all(
            str(params.get(k, "")).startswith(v) for k, v in match.items()
        )

    return check


def seed_stale_asset(world: World, target: Target, release: Release) -> str:
    """An asset key already in the bucket with other bytes (an interrupted upload):
    the one thing CloudFront could hold stale."""
    key = release.assets[0].key
    world.site.s3.put_object(  # not a call the deployer made
        Bucket=target.bucket, Key=key, Body=b"truncated", Metadata={"sha256": "0" * 64}
    )
    return key


def serve_env(world: World, target: Target, env: dict[str, str]) -> str:
    """Make the stage's alias serve a version with `env` (what earlier deploys left)."""
    lam = world.clients.lambda_
    lam.update_function_configuration(
        FunctionName=target.function_name, Environment={"Variables": env}
    )
    version = str(lam.publish_version(FunctionName=target.function_name)["Version"])
    lam.update_alias(FunctionName=target.function_name, Name=target.alias, FunctionVersion=version)
    return version


def deploy_staging(world: World, release: Release, **new: str) -> str:
    return world.deployer().deploy_staging(release, world.staging, world.prod, new, [])


# --- deploy staging -------------------------------------------------------------------------


def test_staging_deploy_runs_the_steps_in_order(world: World, release: Release) -> None:
    stale = seed_stale_asset(world, world.staging, release)
    prod_before = world.alias(world.prod)
    version = deploy_staging(world, release)

    steps = [line for line in world.output if re.match(r"\[\d+/9\]", line)]
    assert [s.split("]")[0] + "]" for s in steps] == [f"[{n}/9]" for n in range(1, 10)]
    staging_fn, prod_fn = world.staging.function_name, world.prod.function_name
    order = [
        world.index("GetAlias", f"{prod_fn}:prod"),  # 1 record prod
        world.index("GetFunctionConfiguration", staging_fn),  # 2 read and merge
        world.index("UpdateFunctionConfiguration", staging_fn),  # 3
        world.index("UpdateFunctionCode", staging_fn),  # 4
        world.index("PublishVersion", staging_fn),  # 5
        world.index("PutObject", "static/"),  # 6
        world.index("UpdateAlias", f"{staging_fn}:staging"),  # 7
        world.index("CreateInvalidation"),  # 8
        world.index("GET", "/healthz"),  # 9
    ]
    assert order == sorted(order), world.calls
    # Waited with the waiter (GetFunction polls) after each update, before the next step.
    ops = world.ops()
    config_at, code_at = ops.index("UpdateFunctionConfiguration"), ops.index("UpdateFunctionCode")
    assert "GetFunction" in ops[config_at:code_at]
    assert "GetFunction" in ops[code_at : ops.index("PublishVersion")]
    # Every static upload happened before any alias moved.
    uploads = [i for i, c in enumerate(world.calls) if c[1:2] == ("PutObject",)]
    last_static = max(i for i in uploads if world.calls[i][2].startswith("static/"))
    assert last_static < world.index("UpdateAlias")

    # The result: staging runs the new version, frozen with the merged configuration.
    assert world.alias(world.staging)["version"] == version != "1"
    config = world.version_config(world.staging)
    assert config["CodeSha256"] == release.code_sha256
    assert config["Handler"] == HANDLER
    assert config["Environment"]["Variables"]["SCC_BASE_URL"] == "https://staging.scc.example"
    assert world.alias(world.prod) == prod_before
    assert f"prod untouched: still version {prod_before['version']}" in world.output

    s3 = world.clients.s3
    for asset in release.assets:
        head = s3.head_object(Bucket=world.staging.bucket, Key=asset.key)
        assert head["CacheControl"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert head["ContentType"] == asset.content_type
    s3.head_object(Bucket=world.staging.bucket, Key=f"releases/{release.code_hex}.zip")
    assert [line for line in world.output if "invalidation" in line][0].endswith("/" + stale)


def test_only_changed_assets_are_invalidated(world: World, release: Release) -> None:
    deploy_staging(world, release)
    assert world.ops("cloudfront") == []  # all new names: nothing CloudFront could hold
    assert any("nothing to invalidate" in line for line in world.output)
    world.calls.clear()
    deploy_staging(world, release)  # the same build again: nothing uploaded
    assert [c for c in world.calls if c[1] == "PutObject" and c[2].startswith("static/")] == []
    assert world.ops("cloudfront") == []


def test_the_merge_keeps_what_the_function_has(world: World, release: Release) -> None:
    deploy_staging(world, release, SCC_TIMEZONE="America/New_York")
    variables = world.version_config(world.staging)["Environment"]["Variables"]
    assert variables == {
        **stage_env("staging"),  # the Gmail ones and the secrets, untouched
        "SCC_TIMEZONE": "America/New_York",
        "SCC_BASE_URL": "https://staging.scc.example",
    }
    report = "\n".join(world.output)
    assert "kept GMAIL_RECIPIENT, GMAIL_SENDER, GMAIL_TOKEN" in report
    assert "added SCC_BASE_URL, SCC_TIMEZONE" in report
    for name in ("SCC_SECRET_KEY", "SCC_ORIGIN_SECRET", "GMAIL_TOKEN", "GMAIL_RECIPIENT"):
        assert stage_env("staging")[name] not in report  # names only, never values


@pytest.mark.parametrize(
    "variable",
    [v for v in REQUIRED if v not in ("SCC_BASE_URL", "SCC_TABLE_PREFIX")],
)
def test_a_missing_required_variable_refuses_the_deploy(
    world: World, release: Release, variable: str
) -> None:
    lam = world.clients.lambda_
    env = {k: v for k, v in stage_env("staging").items() if k != variable}
    serve_env(world, world.staging, env)
    before = (world.alias(world.staging), world.alias(world.prod))
    world.calls.clear()
    with pytest.raises(DeployError, match=f"step 2/9 .*{variable} would be missing"):
        deploy_staging(world, release)
    changing = {
        "UpdateFunctionConfiguration",
        "UpdateFunctionCode",
        "PublishVersion",
        "UpdateAlias",
        "PutObject",
        "CreateInvalidation",
    }
    assert not changing & set(world.ops()), "nothing may change after a refusal"
    assert (world.alias(world.staging), world.alias(world.prod)) == before
    current = lam.get_function_configuration(FunctionName=world.staging.function_name)
    assert current["Environment"]["Variables"] == env


def test_the_missing_variable_can_be_given_on_the_deploy(world: World, release: Release) -> None:
    env = {k: v for k, v in stage_env("staging").items() if k != "GMAIL_TOKEN"}
    serve_env(world, world.staging, env)
    deploy_staging(world, release, GMAIL_TOKEN=GMAIL_TOKEN)
    assert world.version_config(world.staging)["Environment"]["Variables"]["GMAIL_TOKEN"] == (
        GMAIL_TOKEN
    )


@pytest.mark.parametrize(
    ("new", "unset", "message"),
    [
        ({}, ["GMAIL_SENDER"], "GMAIL_SENDER"),
        ({"SCC_TABLE_PREFIX": "scc-prod-"}, [], "SCC_TABLE_PREFIX comes from the stack"),
        ({"SCC_DYNAMODB_ENDPOINT": "http://127.0.0.1:4567"}, [], "SCC_DYNAMODB_ENDPOINT"),
        ({"GMAIL_TOKEN": "not json"}, [], "GMAIL_TOKEN: is not JSON"),
        ({"SCC_SECRET_KEY": "short"}, [], "SCC_SECRET_KEY"),
        ({"AWS_REGION": "eu-west-1"}, [], "reserved"),
    ],
)
def test_bad_settings_refuse_the_deploy(
    world: World, release: Release, new: dict[str, str], unset: list[str], message: str
) -> None:
    with pytest.raises(DeployError, match=re.escape(message)):
        world.deployer().deploy_staging(release, world.staging, world.prod, new, unset)
    assert "UpdateFunctionConfiguration" not in world.ops()


def test_merge_environment_alone() -> None:
    stack = {"SCC_TABLE_PREFIX": "scc-prod-", "SCC_BASE_URL": "https://book.example"}
    current = {**stage_env("prod"), "OLD": "x"}
    merged = merge_environment(current, {"SCC_TIMEZONE": "UTC"}, ["OLD"], stack, REGION)
    assert merged.variables == {**stage_env("prod"), **stack, "SCC_TIMEZONE": "UTC"}
    assert "removed OLD" in merged.report
    with pytest.raises(DeployError, match="https"):
        merge_environment(current, {}, [], {**stack, "SCC_BASE_URL": "http://x.example"}, REGION)


# Each step's failure, injected into the AWS call (or the smoke test) that step makes.
STAGING_FAILURES: dict[int, Callable[[World], None]] = {
    1: lambda w: w.failures.append(fail_on("GetAlias", FunctionName="scc-prod-app")),
    2: lambda w: w.failures.append(fail_on("GetFunctionConfiguration")),
    3: lambda w: w.failures.append(fail_on("UpdateFunctionConfiguration")),
    4: lambda w: w.failures.append(fail_on("UpdateFunctionCode")),
    5: lambda w: w.failures.append(fail_on("PublishVersion")),
    6: lambda w: w.failures.append(fail_on("PutObject", Key="static/")),
    7: lambda w: w.failures.append(fail_on("UpdateAlias")),
    8: lambda w: w.failures.append(fail_on("CreateInvalidation")),
    9: lambda w: w.site.broken.add("staging"),
}


@pytest.mark.parametrize("failing", sorted(STAGING_FAILURES))
def test_a_failure_at_any_staging_step_leaves_prod_where_it_was(
    world: World, release: Release, failing: int
) -> None:
    seed_stale_asset(world, world.staging, release)  # so step 8 has work to fail at
    prod_before, staging_before = world.alias(world.prod), world.alias(world.staging)
    STAGING_FAILURES[failing](world)
    with pytest.raises(DeployError, match=rf"^step {failing}/9 \(") as failure:
        deploy_staging(world, release)
    world.failures.clear()
    assert "injected" in str(failure.value) or "503" in str(failure.value)
    assert world.alias(world.prod) == prod_before
    if failing < 7:  # the staging alias moves at step 7, never before
        assert world.alias(world.staging) == staging_before
    assert not [c for c in world.calls if c[1] == "UpdateAlias" and "scc-prod-app" in c[2]]


def test_a_failed_staging_smoke_test_is_reported(
    world: World, release: Release, capsys: pytest.CaptureFixture[str]
) -> None:
    world.site.broken.add("staging")
    with pytest.raises(
        DeployError, match=r"step 9/9 \(smoke-test staging\).*/healthz answered 503"
    ):
        deploy_staging(world, release)


# --- promote and rollback ---------------------------------------------------------------------


def test_promote_runs_exactly_what_staging_runs_with_prods_settings(
    world: World, release: Release
) -> None:
    deploy_staging(world, release)
    staging_code = world.version_config(world.staging)["CodeSha256"]
    world.calls.clear()
    version = world.deployer().promote(world.staging, world.prod, {}, [])

    # Staging was smoke-tested before anything in prod changed.
    assert world.index("GET", "/healthz") < world.index("UpdateFunctionConfiguration")
    assert world.calls[world.index("GET", "/healthz")][2] == "/healthz"
    prod = world.alias(world.prod)
    assert prod["version"] == version
    assert json.loads(prod["description"])["previous"] == "1"
    config = world.version_config(world.prod)
    assert config["CodeSha256"] == staging_code == release.code_sha256
    assert config["Handler"] == HANDLER
    assert config["Environment"]["Variables"] == {
        **stage_env("prod"),
        "SCC_BASE_URL": "https://prod.scc.example",
    }
    for asset in release.assets:
        world.clients.s3.head_object(Bucket=world.prod.bucket, Key=asset.key)
    assert world.index("PutObject", "static/") < world.index("UpdateAlias")
    assert any(url.startswith("https://prod.scc.example/healthz") for url in world.site.fetched)


def test_promote_refuses_when_staging_fails_its_smoke_test(world: World, release: Release) -> None:
    deploy_staging(world, release)
    world.site.broken.add("staging")
    before = world.alias(world.prod)
    with pytest.raises(DeployError, match=r"step 1/12 \(smoke-test staging\)"):
        world.deployer().promote(world.staging, world.prod, {}, [])
    assert world.alias(world.prod) == before


def test_rollback_returns_prod_to_the_exact_previous_version(
    world: World, release: Release
) -> None:
    deploy_staging(world, release)
    promoted = world.deployer().promote(world.staging, world.prod, {}, [])
    world.calls.clear()
    previous = world.deployer().rollback(world.prod)
    assert previous == "1" == world.alias(world.prod)["version"]
    assert [op for op in world.ops("lambda") if op == "UpdateAlias"] == ["UpdateAlias"]  # 1 call
    # Rolling back again undoes the rollback.
    assert world.deployer().rollback(world.prod) == promoted
    assert world.alias(world.prod)["version"] == promoted


def test_rollback_without_a_record_refuses(world: World) -> None:
    before = world.alias(world.prod)
    with pytest.raises(DeployError, match="no previous version"):
        world.deployer().rollback(world.prod)
    assert world.alias(world.prod) == before


PROMOTE_FAILURES: dict[int, Callable[[World], None]] = {
    1: lambda w: w.site.broken.add("staging"),
    2: lambda w: w.failures.append(fail_on("GetAlias", FunctionName="scc-prod-app")),
    3: lambda w: w.failures.append(fail_on("GetObject", Key="releases/")),
    4: lambda w: w.failures.append(fail_on("GetFunctionConfiguration", FunctionName="scc-prod")),
    5: lambda w: w.failures.append(fail_on("UpdateFunctionConfiguration")),
    6: lambda w: w.failures.append(fail_on("UpdateFunctionCode")),
    7: lambda w: w.failures.append(fail_on("PublishVersion")),
    8: lambda w: w.failures.append(fail_on("PutObject", Key="static/")),
    9: lambda w: w.failures.append(fail_on("UpdateAlias")),
    10: lambda w: w.failures.append(fail_on("CreateInvalidation")),
    11: lambda w: w.site.broken.add("prod"),
}


@pytest.mark.parametrize("failing", sorted(PROMOTE_FAILURES))
def test_a_failure_at_any_promote_step_leaves_prod_where_it_was(
    world: World, release: Release, failing: int
) -> None:
    deploy_staging(world, release)
    seed_stale_asset(world, world.prod, release)  # so step 10 has work to fail at
    before = world.alias(world.prod)
    PROMOTE_FAILURES[failing](world)
    with pytest.raises(DeployError, match=rf"^step {failing}/12 \("):
        world.deployer().promote(world.staging, world.prod, {}, [])
    world.failures.clear()
    assert world.alias(world.prod)["version"] == before["version"]
    if failing < 10:
        assert world.alias(world.prod) == before  # not even its record changed
    else:
        assert any("rolling prod back" in line for line in world.output)


# --- the stacks and the CLI -------------------------------------------------------------------


def describe(outputs: dict[str, str]) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": "scc-staging",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": "UPDATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


STACK_OUTPUTS = {
    "Stage": "staging",
    "FunctionName": "scc-staging-app",
    "StaticBucketName": "scc-staging-staticbucket-1a2b3c",
    "DistributionId": "E2ABCDEF123456",
    "SiteUrl": "https://d111111abcdef8.cloudfront.net",
    "TablePrefix": "scc-staging-",
    "FunctionUrl": "https://abc.lambda-url.us-east-1.on.aws/",
}


def test_targets_come_from_the_stack_outputs() -> None:
    client = boto3.client(
        "cloudformation", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", describe(STACK_OUTPUTS), {"StackName": "scc-staging"})
        target = read_target(client, "scc-staging", "staging")
        assert target == Target(
            stage="staging",
            function_name="scc-staging-app",
            bucket="scc-staging-staticbucket-1a2b3c",
            distribution_id="E2ABCDEF123456",
            site_url="https://d111111abcdef8.cloudfront.net",
            table_prefix="scc-staging-",
        )
        stub.add_response("describe_stacks", describe(STACK_OUTPUTS), {"StackName": "scc-staging"})
        with pytest.raises(DeployError, match="is the staging stage, not prod"):
            read_target(client, "scc-staging", "prod")
        partial = {k: v for k, v in STACK_OUTPUTS.items() if k != "DistributionId"}
        stub.add_response("describe_stacks", describe(partial), {"StackName": "scc-staging"})
        with pytest.raises(DeployError, match="lacks output.*DistributionId"):
            read_target(client, "scc-staging", "staging")


def test_the_cli_deploys_promotes_and_rolls_back(
    world: World,
    release: Release,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    targets = {"scc-staging": world.staging, "scc-prod": world.prod}
    monkeypatch.setattr(cli, "read_target", lambda cfn, stack, stage: targets[stack])
    monkeypatch.setattr(cli, "stack_exists", lambda cfn, stack: stack in targets)
    monkeypatch.setattr(smoke, "http_fetch", world.site.fetch)
    env_file = tmp_path / "staging.env"
    env_file.write_text("# new settings\nSCC_TIMEZONE=America/New_York\n\n")
    common = ["--region", REGION, "--waiver-event", ""]
    build_dir = ["--build-dir", str(release.directory)]

    assert main(["deploy", "staging", *build_dir, *common, "--env-file", str(env_file)]) == 0
    out = capsys.readouterr().out
    assert "[9/9] smoke-test staging" in out and "staging runs version" in out
    assert main(["deploy", "promote", *common]) == 0
    assert "prod runs version" in capsys.readouterr().out
    promoted = world.alias(world.prod)["version"]
    assert main(["deploy", "rollback", *common]) == 0
    assert world.alias(world.prod)["version"] == "1" != promoted

    env = {k: v for k, v in stage_env("staging").items() if k != "GMAIL_SENDER"}
    serve_env(world, world.staging, env)
    assert main(["deploy", "staging", *build_dir, *common]) == 1
    err = capsys.readouterr().err
    assert err.startswith("deploy failed: step 2/9") and "GMAIL_SENDER" in err


# --- issue 23: settings from the served version, rollback records, old versions ------------


def served_variables(world: World, target: Target) -> dict[str, str]:
    variables: dict[str, str] = world.version_config(target)["Environment"]["Variables"]
    return variables


def test_a_deploy_after_a_rollback_never_brings_back_the_rolled_back_settings(
    world: World, release: Release
) -> None:
    deploy_staging(world, release)
    world.deployer().promote(world.staging, world.prod, {"SCC_TIMEZONE": "Europe/Paris"}, [])
    assert served_variables(world, world.prod)["SCC_TIMEZONE"] == "Europe/Paris"
    world.deployer().rollback(world.prod)  # $LATEST still holds Europe/Paris
    latest = world.clients.lambda_.get_function_configuration(FunctionName=world.prod.function_name)
    assert latest["Environment"]["Variables"]["SCC_TIMEZONE"] == "Europe/Paris"
    world.output.clear()
    world.deployer().promote(world.staging, world.prod, {}, [])  # a plain promote
    assert "SCC_TIMEZONE" not in served_variables(world, world.prod)
    assert any("the settings version 1 runs (prod)" in line for line in world.output)


def test_a_malformed_address_is_refused_before_anything_changes(
    world: World, release: Release
) -> None:
    before = (world.alias(world.staging), world.alias(world.prod))
    world.calls.clear()
    with pytest.raises(DeployError, match=r"step 2/9 .*GMAIL_RECIPIENT: 'typo@@example'"):
        deploy_staging(world, release, GMAIL_RECIPIENT="typo@@example")
    changing = {"UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion"}
    assert not changing & set(world.ops()) and "PutObject" not in world.ops()
    assert (world.alias(world.staging), world.alias(world.prod)) == before


@pytest.mark.parametrize(
    "variable", ["SCC_OPERATOR_NAME", "SCC_OPERATOR_PHONE", "SCC_OPERATOR_EMAIL"]
)
def test_the_operator_is_required_in_every_stage(
    world: World, release: Release, variable: str
) -> None:
    from server.settings import OPERATOR

    assert variable in OPERATOR and set(OPERATOR) <= set(REQUIRED)
    env = {k: v for k, v in stage_env("prod").items() if k != variable}
    serve_env(world, world.prod, env)
    deploy_staging(world, release)
    before = world.alias(world.prod)
    with pytest.raises(DeployError, match=f"step 4/12 .*{variable} would be missing"):
        world.deployer().promote(world.staging, world.prod, {}, [])
    assert world.alias(world.prod) == before
    given = stage_env("prod")[variable]
    world.deployer().promote(world.staging, world.prod, {variable: given}, [])
    assert served_variables(world, world.prod)[variable] == given


def test_after_promote_undoes_itself_rollback_never_returns_to_the_failed_version(
    world: World, release: Release
) -> None:
    deploy_staging(world, release)
    good = world.deployer().promote(world.staging, world.prod, {}, [])  # previous: 1
    world.site.broken.add("prod")
    with pytest.raises(DeployError, match="prod is back on version " + good):
        world.deployer().promote(world.staging, world.prod, {"SCC_TIMEZONE": "UTC"}, [])
    world.site.broken.clear()
    record = json.loads(world.alias(world.prod)["description"])
    assert world.alias(world.prod)["version"] == good
    assert record["previous"] == "1" and record["failed"] != good
    assert world.deployer().rollback(world.prod) == "1"  # where it was before `good`


def test_a_first_promote_that_undoes_itself_leaves_nothing_to_roll_back_to(
    world: World, release: Release
) -> None:
    deploy_staging(world, release)
    world.site.broken.add("prod")
    with pytest.raises(DeployError, match="prod is back on version 1"):
        world.deployer().promote(world.staging, world.prod, {}, [])
    world.site.broken.clear()
    with pytest.raises(DeployError, match="no previous version"):
        world.deployer().rollback(world.prod)
    assert world.alias(world.prod)["version"] == "1"


def version_numbers(world: World, target: Target) -> list[int]:
    from deploy.versions import published

    return [int(v["Version"]) for v in published(world.clients.lambda_, target.function_name)]


def test_a_successful_promote_keeps_the_last_versions_and_every_one_an_alias_needs(
    world: World, release: Release
) -> None:
    first = world.alias(world.prod)["version"]  # the stack's own (AppFirstVersion)
    for n in range(6):  # earlier deploys' versions, each with other settings
        serve_env(world, world.prod, {**stage_env("prod"), "SCC_WAIVER_CLOSE_DAYS": str(n)})
    serving = world.alias(world.prod)["version"]
    deploy_staging(world, release)
    promoted = world.deployer().promote(world.staging, world.prod, {}, [], keep_versions=2)
    left = version_numbers(world, world.prod)
    newest = sorted(left)[-2:]
    assert int(promoted) in newest and int(serving) in left  # serving = the rollback target
    assert int(first) in left  # the stack's own version stays
    assert left == sorted({*newest, int(serving), int(first)})
    assert 2 not in left  # an old one went
    assert any("prod-app: " in line and "deleted" in line for line in world.output)
    # Staging too: its alias's version and its rollback target stay.
    staging_left = version_numbers(world, world.staging)
    assert int(world.alias(world.staging)["version"]) in staging_left
    assert world.deployer().rollback(world.prod) == serving  # still there to go back to


def test_a_failed_promote_deletes_no_version(world: World, release: Release) -> None:
    for n in range(4):
        serve_env(world, world.prod, {**stage_env("prod"), "SCC_WAIVER_CLOSE_DAYS": str(n)})
    before = version_numbers(world, world.prod)
    deploy_staging(world, release)
    world.site.broken.add("prod")
    with pytest.raises(DeployError):
        world.deployer().promote(world.staging, world.prod, {}, [], keep_versions=1)
    assert set(before) <= set(version_numbers(world, world.prod))
    assert "DeleteFunction" not in world.ops()


def test_one_version_that_cannot_be_deleted_does_not_stop_the_rest(
    world: World, release: Release
) -> None:
    for n in range(4):
        serve_env(world, world.prod, {**stage_env("prod"), "SCC_WAIVER_CLOSE_DAYS": str(n)})
    deploy_staging(world, release)
    world.failures.append(fail_on("DeleteFunction", FunctionName="scc-prod-app", Qualifier="2"))
    promoted = world.deployer().promote(world.staging, world.prod, {}, [], keep_versions=1)
    left = version_numbers(world, world.prod)
    assert 2 in left and 3 not in left and 4 not in left and int(promoted) in left
    assert any("could not delete scc-prod-app version 2" in line for line in world.output)


def test_the_origin_secret_is_made_once_and_survives_plain_stack_updates() -> None:
    """Template inspection (moto's CloudFormation needs extras this project does not
    install): no parameter carries the secret, so no `aws cloudformation deploy` line
    can make a new one; Secrets Manager generates it when the stack is created, and
    CloudFormation changes a secret's value only when its GenerateSecretString changes;
    CloudFront's header reads it, pinned to the version a rotation names."""
    from tests.helpers.template import resources, template

    parameters = template()["Parameters"]
    assert not [p for p in parameters if "Secret" in p and p != "OriginSecretVersion"]
    assert parameters["OriginSecretVersion"]["Default"] == ""
    secret = resources("AWS::SecretsManager::Secret")["OriginVerifySecret"]["Properties"]
    assert secret["GenerateSecretString"] == {"PasswordLength": 48, "ExcludePunctuation": True}
    assert "SecretString" not in secret
    app = resources("AWS::SecretsManager::Secret")["AppSecrets"]["Properties"]
    assert app["GenerateSecretString"]["GenerateStringKey"] == "SCC_SECRET_KEY"
    readme = (ROOT / "README.md").read_text()
    deploys = re.findall(r"aws cloudformation deploy[^`]*?(?=\n\S|\n\n|```)", readme)
    assert deploys and not [d for d in deploys if "OriginSecret=" in d], deploys


# --- scc deploy status ------------------------------------------------------------------


def drift_stub(client: Any, drifts: dict[str, list[dict[str, Any]]]) -> Stubber:
    """CloudFormation's drift detection answers, stack by stack (moto has none)."""
    stub = Stubber(client)
    for stack, found in drifts.items():
        stub.add_response("detect_stack_drift", {"StackDriftDetectionId": f"id-{stack}"})
        for state in ("DETECTION_IN_PROGRESS", "DETECTION_COMPLETE"):
            stub.add_response(
                "describe_stack_drift_detection_status",
                {
                    "StackId": stack,
                    "StackDriftDetectionId": f"id-{stack}",
                    "DetectionStatus": state,
                    "Timestamp": "2026-12-01T00:00:00Z",
                },
            )
        stub.add_response(
            "describe_stack_resource_drifts",
            {"StackResourceDrifts": found},
            {"StackName": stack, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]},
        )
    return stub


def resource_drift(logical: str, kind: str, state: str, *paths: str) -> dict[str, Any]:
    return {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/scc-prod/x",
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "StackResourceDriftStatus": state,
        "Timestamp": "2026-12-01T00:00:00Z",
        "PropertyDifferences": [
            {"PropertyPath": p, "ExpectedValue": "a", "ActualValue": "b"}
            | {"DifferenceType": "NOT_EQUAL"}
            for p in paths
        ],
    }


def test_status_shows_each_stages_version_build_settings_and_drift(
    world: World, release: Release
) -> None:
    from deploy import status

    deploy_staging(world, release)
    promoted = world.deployer().promote(world.staging, world.prod, {}, [])
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    function, alias = "AWS::Lambda::Function", "AWS::Lambda::Alias"
    staging_drift = [  # only what scc deploy itself changes: not drift
        resource_drift("AppFunction", function, "MODIFIED", "/Handler", "/Code/ZipFile"),
        resource_drift("AppAlias", alias, "MODIFIED", "/FunctionVersion"),
    ]
    prod_drift = [
        resource_drift("AppRole", "AWS::IAM::Role", "MODIFIED", "/Policies/0/PolicyDocument"),
        resource_drift("AppFunction", function, "MODIFIED", "/Environment", "/MemorySize"),
        resource_drift("AlarmTopic", "AWS::SNS::Topic", "DELETED"),
    ]
    out: list[str] = []
    with drift_stub(cloudformation, {"scc-staging": staging_drift, "scc-prod": prod_drift}):
        found = status.report(
            cloudformation,
            world.clients.lambda_,
            [("scc-staging", world.staging), ("scc-prod", world.prod)],
            out.append,
            delay=0,
        )
    staging, prod = found
    assert prod.version == promoted and staging.version == world.alias(world.staging)["version"]
    assert staging.commit == prod.commit == release.commit
    assert prod.code_sha256 == staging.code_sha256 == release.code_sha256
    assert prod.settings == status.settings_hash(served_variables(world, world.prod))
    assert staging.settings == status.settings_hash(served_variables(world, world.staging))
    assert prod.settings != staging.settings  # each stage its own secrets
    assert staging.drift == []
    assert prod.drift == [
        "AppRole MODIFIED: /Policies/0/PolicyDocument",
        "AppFunction MODIFIED: /MemorySize",
        "AlarmTopic DELETED: -",
    ]
    text = "\n".join(out)
    assert f"prod: version {promoted}, build {release.commit}" in text
    assert "template drift: none" in text and "template drift: 3 resource(s)" in text
    assert "prod runs the code staging runs" in text
    for value in stage_env("prod").values():
        assert value not in text  # a hash, never a value


def test_status_command_says_when_drift_cannot_be_checked(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto has no drift detection: the command still shows the versions and says so."""
    targets = {"scc-staging": world.staging, "scc-prod": world.prod}
    monkeypatch.setattr(cli, "read_target", lambda cfn, stack, stage: targets[stack])
    monkeypatch.setattr(cli, "stack_exists", lambda cfn, stack: stack in targets)
    assert main(["deploy", "status", "--region", REGION]) == 0
    out = capsys.readouterr().out
    assert "staging: version 1, build not deployed by scc deploy" in out
    assert out.count("template drift: could not be checked") == 2


# --- the stack's secrets ----------------------------------------------------------------------


def with_stack_secrets(world: World, target: Target, content: dict[str, str]) -> Target:
    """The stage as this template makes it: its secrets in Secrets Manager (moto), their
    ARNs stack outputs, the served version holding no secret value."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    bundle = secrets.create_secret(Name=f"scc-{target.stage}-app", SecretString=json.dumps(content))
    origin = secrets.create_secret(Name=f"scc-{target.stage}-origin-verify", SecretString="o" * 48)
    world.clients.secretsmanager = secrets
    plain = ("SCC_SECRET_KEY", "GMAIL_TOKEN", "SCC_ORIGIN_SECRET")
    serve_env(world, target, {k: v for k, v in stage_env(target.stage).items() if k not in plain})
    return dataclasses.replace(target, secrets_arn=bundle["ARN"], origin_secret_arn=origin["ARN"])


def test_a_deploy_reads_the_stacks_secrets_to_check_them(world: World, release: Release) -> None:
    content = {"SCC_SECRET_KEY": "s" * 40, "GMAIL_TOKEN": GMAIL_TOKEN}
    world.staging = with_stack_secrets(world, world.staging, content)
    deploy_staging(world, release)
    variables = served_variables(world, world.staging)
    assert variables["SCC_SECRETS_ARN"] == world.staging.secrets_arn
    assert variables["SCC_ORIGIN_SECRET_ARN"] == world.staging.origin_secret_arn
    assert not {"SCC_SECRET_KEY", "GMAIL_TOKEN", "SCC_ORIGIN_SECRET"} & set(variables)
    assert GMAIL_TOKEN not in "\n".join(world.output) and "s" * 40 not in "\n".join(world.output)


@pytest.mark.parametrize(
    ("content", "new", "message"),
    [
        ({"SCC_SECRET_KEY": "s" * 40}, {}, "GMAIL_TOKEN would be missing"),
        ({"SCC_SECRET_KEY": "s" * 40, "GMAIL_TOKEN": "{}"}, {}, "GMAIL_TOKEN: missing"),
        (
            {"SCC_SECRET_KEY": "s" * 40, "GMAIL_TOKEN": GMAIL_TOKEN},
            {"SCC_SECRET_KEY": "p" * 40},
            "SCC_SECRET_KEY: set both as a variable and in SCC_SECRETS_ARN",
        ),
        (
            {"SCC_SECRET_KEY": "s" * 40, "GMAIL_TOKEN": GMAIL_TOKEN},
            {"SCC_SECRETS_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:other"},
            "SCC_SECRETS_ARN comes from the stack",
        ),
    ],
)
def test_a_bad_stack_secret_refuses_the_deploy(
    world: World, release: Release, content: dict[str, str], new: dict[str, str], message: str
) -> None:
    world.staging = with_stack_secrets(world, world.staging, content)
    before = world.alias(world.staging)
    world.calls.clear()
    with pytest.raises(DeployError, match=re.escape(message)):
        deploy_staging(world, release, **new)
    assert "UpdateFunctionConfiguration" not in world.ops()
    assert world.alias(world.staging) == before
