"""`make mutation`'s report (tools/mutation_report.py) and its targets in the Makefile:
scores read from mutmut's meta files, a module under 90 % or unfinished fails."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from server import ROOT


def load_report() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mutation_report", ROOT / "tools/mutation_report.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project(tmp_path: Path, results: dict[str, dict[str, int | None] | None]) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mutmut]\nsource_paths = ["pkg/"]\nonly_mutate = ["pkg/domain/*"]\n'
    )
    for name, codes in results.items():
        source = tmp_path / "pkg/domain" / f"{name}.py"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("def f():\n    return 1\n")
        if codes is not None:
            meta = tmp_path / "mutants/pkg/domain" / f"{name}.py.meta"
            meta.parent.mkdir(parents=True, exist_ok=True)
            meta.write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "pkg/other.py").write_text("def g():\n    return 2\n")  # not mutated
    return tmp_path


def test_each_module_gets_its_kill_percentage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            "good": {**{f"m{i}": 1 for i in range(9)}, "t": 36, "s": 0},  # 10 of 11
            "empty": {},
        },
    )
    assert load_report().report(root, 90.0, None) == 0
    out = capsys.readouterr().out
    assert "pkg/domain/good.py                     10      11   90.9%" in out
    assert "pkg/domain/empty.py" in out and "nothing mutmut mutates" in out
    assert "other.py" not in out


@pytest.mark.parametrize(
    "codes",
    [{"k": 1, "s": 0}, {"k": 1, "n": None}, {"s": 5}],  # 50 %, unfinished, no test ran it
)
def test_a_module_under_the_threshold_or_unfinished_fails(
    tmp_path: Path, codes: dict[str, int | None], capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {"weak": codes})
    assert load_report().report(root, 90.0, None) == 1
    assert "pkg/domain/weak.py" in capsys.readouterr().err


def test_a_module_never_run_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"new": None})
    assert load_report().report(root, 90.0, None) == 1
    assert "not run to the end" in capsys.readouterr().out


def test_the_repository_mutates_the_domain_and_the_services_only() -> None:
    mutated = [str(p) for p in load_report().mutated_modules(ROOT)]
    assert mutated[:1] == ["server/domain/audit_text.py"]
    assert "server/services/payments.py" in mutated
    assert all(p.startswith(("server/domain/", "server/services/")) for p in mutated)


def recipe(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()


def test_make_test_fast_and_make_mutation_run_the_unit_tests_and_the_report() -> None:
    assert recipe("test-fast")[-1].endswith("pytest -q tests/unit --confcutdir=tests/unit")
    run, report = recipe("mutation", "MODULE=money")[-2:]
    assert run.endswith('mutmut run --max-children 2 "*.money.*"')
    assert report.endswith("tools/mutation_report.py --module money")
    assert recipe("mutation")[-1].endswith("tools/mutation_report.py")
