"""The browser suite against a stage it did not start, given only the stage's URL and a
captain's sign-in (what QA has before a promote): it collects every test, makes its own
data through the app, and nothing skips.

The full suite already runs in `make test` through the same fixtures (its local mode
only starts a stack and bootstraps a captain, then goes the remote way); these tests
prove the remote entry itself on a stack of their own, without running the suite twice.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from e2e.stack import CAPTAIN_EMAIL_VAR, CAPTAIN_PASSWORD_VAR, Stage, app_environment, local_stage
from server import ROOT
from server.store import Store

E2E = ROOT / "e2e"
# A sample that touches every kind of set-up: a crew account and trips made by the desk,
# a payment logged through the app, a trip created in the browser, a waiver and a manifest,
# the offline queue, and the captain's pages.
SAMPLE = [
    "e2e/test_e2e_admin.py",
    "e2e/test_e2e_dispatch.py::test_dashboard_detail_and_sign_out[nojs-chromium]",
    "e2e/test_e2e_offline.py::test_a_refused_payment_is_shown_and_kept_until_discarded[chromium]",
]


@pytest.fixture(scope="module")
def remote_stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with local_stage(tmp_path_factory.mktemp("remote-stage")) as stage:
        yield stage


def run_suite(
    *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess, as QA runs it (its failure artifacts kept apart)."""
    artifacts = ROOT / "var" / "e2e-artifacts" / "remote-proof"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *args]
        + ["--screenshot", "only-on-failure"]
        + ["--output", str(artifacts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def captain_env(stage: Stage) -> dict[str, str]:
    return {
        **app_environment(),
        CAPTAIN_EMAIL_VAR: stage.captain.email,
        CAPTAIN_PASSWORD_VAR: stage.captain.password,
    }


def collected(output: str) -> int:
    found = re.search(r"(\d+) tests? collected", output)
    assert found, output
    return int(found.group(1))


def test_the_suite_runs_against_a_stage_with_only_its_url_and_a_captain(
    remote_stage: Stage,
) -> None:
    env = captain_env(remote_stage)
    url = ["--base-url", remote_stage.base_url]

    # Every test is collected remotely, the same count as locally (both at once: each is
    # mostly a Python start-up waiting on imports).
    with ThreadPoolExecutor(max_workers=2) as both:
        local_run = both.submit(run_suite, "--collect-only", "e2e", env=app_environment())
        remote_run = both.submit(run_suite, "--collect-only", "e2e", *url, env=env)
        local, remote = local_run.result(), remote_run.result()
    assert local.returncode == 0 and remote.returncode == 0, local.stdout + remote.stdout
    assert collected(remote.stdout) == collected(local.stdout) >= 45
    # The longest files come first, so xdist's workers end on short ones (e2e/conftest.py).
    files = [line.split("::")[0] for line in local.stdout.splitlines() if "::" in line]
    in_order = list(dict.fromkeys(files))
    assert in_order[:3] == [
        "e2e/test_e2e_xss.py",
        "e2e/test_e2e_crew_phone.py",
        "e2e/test_e2e_accessibility.py",
    ], in_order
    assert in_order[3:] == sorted(in_order[3:]), in_order  # the rest as collected

    # And they run there: the sample passes with nothing skipped, and again on the same
    # stage (no collisions with what the first run made).
    for sample in (SAMPLE, SAMPLE[:2]):
        result = run_suite(*sample, *url, env=env)
        summary = result.stdout.strip().splitlines()[-1]
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        assert re.search(r"\b\d+ passed\b", summary), summary
        assert "skipped" not in summary and "failed" not in summary and "error" not in summary, (
            result.stdout[-6000:]
        )

    # It left nothing live behind: every trip it made is cancelled, every account it
    # made disabled; the stage's own captain is untouched.
    assert remote_stage.settings is not None
    store = Store.connect(remote_stage.settings)
    events = store.events.scan_all()
    assert len(events) >= 5
    live = [e["event_id"] for e in events if e.get("status") != "cancelled"]
    assert not live, live
    assert all(e["patron_first_name"].startswith("Qa") for e in events)
    users = {u["email"]: u for u in store.users.all()}
    captain = users.pop(remote_stage.captain.email)
    assert not captain.get("disabled")
    assert len(users) == 2  # one crew account per run
    assert all(u.get("disabled") for u in users.values()), users
    assert all(u["name"].startswith("Qa") for u in users.values())


def test_without_the_captain_variables_a_remote_run_stops_at_once_naming_them(
    remote_stage: Stage,
) -> None:
    started = time.monotonic()
    result = run_suite("e2e", "--base-url", remote_stage.base_url, env=app_environment())
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert CAPTAIN_EMAIL_VAR in output and CAPTAIN_PASSWORD_VAR in output, output
    assert "passed" not in output and "skipped" not in output, output
    assert time.monotonic() - started < 60


def test_a_wrong_captain_sign_in_stops_the_run_with_one_message(remote_stage: Stage) -> None:
    env = {**captain_env(remote_stage), CAPTAIN_PASSWORD_VAR: "not-the-password-at-all"}
    result = run_suite("e2e/test_e2e_admin.py", "--base-url", remote_stage.base_url, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert output.count(f"the captain {remote_stage.captain.email} could not sign in") == 1
    assert "passed" not in output and "error" not in output.lower().replace("usage_error", "")


def _e2e_modules() -> list[Path]:
    return sorted(E2E.glob("test_*.py"))


@pytest.mark.parametrize("module", _e2e_modules(), ids=lambda p: p.name)
def test_browser_tests_never_reach_into_the_database(module: Path) -> None:
    """What a test needs it makes through the app (e2e/desk.py): no browser test imports
    the store or the server's domain code, or asks for a database fixture."""
    tree = ast.parse(module.read_text(), str(module))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    reaching = sorted(m for m in imported if m.startswith("server.") and m != "server")
    assert not reaching, f"{module.name} imports {reaching}"
    arguments = {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for arg in node.args.args
    }
    assert not arguments & {"store", "local_stack", "settings"}, arguments
