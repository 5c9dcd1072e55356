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
