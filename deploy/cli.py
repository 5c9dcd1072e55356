"""`scc deploy build|staging|promote|rollback|status`, registered on `scc` by
`add_commands`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deploy import concurrency, status
from deploy.build import build
from deploy.environment import parse_assignments
from deploy.errors import DeployError
from deploy.release import DEFAULT_BUILD, load_release
from deploy.stacks import STAGES, Target, read_target, stack_exists
from deploy.stages import Deployer
from deploy.steps import Clients
from deploy.versions import KEEP_VERSIONS


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
        secretsmanager=session.client("secretsmanager", config=config),
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
    Deployer(clients).promote(
        staging, prod, new, args.unset or [], args.waiver_event, args.keep_versions
    )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    cloudformation, clients = _session(args)
    target = read_target(cloudformation, f"{args.stack_prefix}-{args.stage}", args.stage)
    Deployer(clients).rollback(target, args.waiver_event)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    cloudformation, clients = _session(args)
    staging, prod = _targets(args, cloudformation)
    stages = [(f"{args.stack_prefix}-staging", staging)]
    if prod is not None:
        stages.append((f"{args.stack_prefix}-prod", prod))
    status.report(cloudformation, clients.lambda_, stages, print)
    return 0


def cmd_concurrency(args: argparse.Namespace) -> int:
    cloudformation, clients = _session(args)
    stack = f"{args.stack_prefix}-{args.stage}"
    return 0 if concurrency.check(cloudformation, clients.lambda_, stack, args.reserve) else 1


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
    """Register `scc deploy build|staging|promote|rollback|status`."""
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
    promote.add_argument(
        "--keep-versions",
        type=int,
        default=KEEP_VERSIONS,
        metavar="N",
        help=f"afterwards, delete each stage's versions older than its last N (default "
        f"{KEEP_VERSIONS}; never one an alias serves or would roll back to)",
    )
    promote.set_defaults(func=_guarded(cmd_promote))

    rollback = deploy.add_parser("rollback", help="point prod back at its previous version")
    rollback.add_argument("--stage", choices=STAGES, default="prod")
    aws(rollback)
    rollback.set_defaults(func=_guarded(cmd_rollback))

    status_parser = deploy.add_parser(
        "status", help="each stage's version, build, settings hash and template drift"
    )
    aws(status_parser)
    status_parser.set_defaults(func=_guarded(cmd_status))

    quota = deploy.add_parser(
        "concurrency", help="whether ReservedConcurrency fits the account's quota"
    )
    quota.add_argument("--stage", choices=STAGES, default="prod")
    quota.add_argument(
        "--reserve", type=int, help="the reservation to check (default: the stack's)"
    )
    aws(quota)
    quota.set_defaults(func=_guarded(cmd_concurrency))
