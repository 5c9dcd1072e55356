"""The folders show the layers: domain rules import neither Starlette nor boto3, and no
module grows past what one reader can hold."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"
DOMAIN = sorted(p.stem for p in (SERVER / "domain").glob("*.py") if p.stem != "__init__")
SERVICES = sorted(p.stem for p in (SERVER / "services").glob("*.py") if p.stem != "__init__")

BLOCKER = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    class Blocked(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"starlette", "boto3", "botocore"}:
                raise ImportError(f"domain code imported {name}")
            return None

    sys.meta_path.insert(0, Blocked())
    """
)


def test_there_are_domain_modules() -> None:
    assert {"money", "payments", "event_ids", "waiver_rules", "users", "reconcile"} <= set(DOMAIN)


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_imports_neither_starlette_nor_boto3(module: str) -> None:
    script = BLOCKER + f"importlib.import_module('server.domain.{module}')\nprint('ok')"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=SERVER.parent
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_there_are_services() -> None:
    assert {"payments", "results"} <= set(SERVICES)


@pytest.mark.parametrize("module", SERVICES)
def test_service_module_imports_neither_starlette_nor_boto3(module: str) -> None:
    """The services take repositories as arguments: they import no store module (which
    would pull in boto3) and no web module."""
    script = BLOCKER + f"importlib.import_module('server.services.{module}')\nprint('ok')"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=SERVER.parent
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_blocker_would_catch_an_import() -> None:
    script = BLOCKER + "import server.web.render"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=SERVER.parent
    )
    assert result.returncode != 0 and "imported starlette" in result.stderr


def test_no_server_or_deploy_module_is_over_350_lines() -> None:
    roots = [SERVER, SERVER.parent / "deploy"]
    long = {
        p.relative_to(SERVER.parent).as_posix(): n
        for root in roots
        for p in root.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 350
    }
    assert long == {}


# --- the storage boundary (issue 25, item 2; docs/decisions.md "AWS adapters") ---------

AWS_LIBRARIES = ("boto3", "botocore", "mypy_boto3")
# The only modules that may import an AWS library, and why (docs/decisions.md):
# the store (DynamoDB; its errors become StoreUnavailable/StoreError at the repositories'
# edge), the SES mailer (its errors become MailError/MailerBroken in `_error`), and the
# settings' Secrets Manager reader (read once at start, and again after a restore).
AWS_ADAPTERS = {"server/notify/ses.py", "server/secrets.py"}


def aws_imports(path: Path) -> set[str]:
    """The AWS libraries a module imports anywhere (top level, in a function, or under
    TYPE_CHECKING)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        found |= {n.split(".")[0] for n in names if n.split(".")[0].startswith(AWS_LIBRARIES)}
    return found


def test_only_the_store_and_the_named_aws_adapters_import_boto3_or_botocore() -> None:
    importers = {
        p.relative_to(SERVER.parent).as_posix()
        for p in SERVER.rglob("*.py")
        if aws_imports(p) and "store" not in p.relative_to(SERVER).parts[:1]
    }
    assert importers == AWS_ADAPTERS  # equal, so the list cannot outlive its reason


def test_the_store_does_import_botocore_so_the_boundary_check_sees_imports() -> None:
    assert "botocore" in aws_imports(SERVER / "store" / "client.py")
    assert "boto3" in aws_imports(SERVER / "notify" / "ses.py")  # a function-local import


def test_the_app_and_the_web_layer_import_no_aws_library() -> None:
    web = [SERVER / "app.py", SERVER / "lambda_handler.py", *(SERVER / "web").glob("*.py")]
    assert {p.name: aws_imports(p) for p in web if aws_imports(p)} == {}
