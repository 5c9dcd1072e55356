"""The Makefile passes on what the README promises (`make -n`: printed, not run)."""

from __future__ import annotations

import os
import subprocess

import pytest

from server import ROOT


def recipe(*args: str) -> str:
    """The last line `make -n` prints: the target's own command. (Run from `make test`,
    the parent make's variables would add "Entering directory" lines: they are left out.)"""
    return recipe_lines(*args)[-1]


def recipe_lines(*args: str) -> list[str]:
    """Every line `make -n` prints."""
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


def test_make_bench_quick_runs_the_short_benchmark() -> None:
    assert recipe("bench", "QUICK=1").endswith("bench/run.py --quick")
    assert recipe("bench").endswith("bench/run.py")


def test_make_run_host_serves_that_address() -> None:
    assert recipe("run", "HOST=0.0.0.0").endswith("scc local --host 0.0.0.0")
    assert recipe("run").endswith("scc local --host 127.0.0.1")


def test_make_run_passes_the_port_and_leaves_the_base_url_to_scc_local() -> None:
    # `scc local` derives SCC_BASE_URL from PORT and the host when it is not set (issue
    # 24 item 10), so the Makefile must pass PORT on and never pin a base URL itself.
    line = recipe("run", "PORT=8123", "HOST=0.0.0.0")
    assert "PORT=8123 " in line and line.endswith("scc local --host 0.0.0.0")
    assert "SCC_BASE_URL" not in line


@pytest.mark.parametrize("target", ["e2e", "test"])
def test_browser_runs_keep_traces_and_screenshots_of_failures(target: str) -> None:
    """The suite runs untraced, writing its failed tests' ids; only when it fails are
    those run again with tracing on (their traces, and screenshots, in var/e2e-artifacts),
    and the recipe still fails."""
    *_, run, rerun = recipe_lines(target, "BASE_URL=https://stage.example")
    assert run.startswith("SCC_E2E_FAILED_IDS=var/e2e-failed.txt ") and " e2e " in run
    assert "--tracing" not in run
    assert "--screenshot only-on-failure --output var/e2e-artifacts" in run
    assert rerun.lstrip().startswith("|| { if [ -s var/e2e-failed.txt ]; then")
    assert "--tracing on --screenshot only-on-failure --output var/e2e-artifacts" in rerun
    assert "@var/e2e-failed.txt" in rerun and rerun.endswith("exit 1; }")
    if target == "e2e":
        assert run.endswith("--base-url https://stage.example \\")
        assert "--base-url https://stage.example @var/e2e-failed.txt" in rerun


def test_make_test_installs_java_for_the_nu_html_checker_when_it_is_missing() -> None:
    """`make -n` prints the `java` target's check too: it installs Debian's
    default-jre-headless as root when there is no `java`, before the tests run."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    for target in ("test", "e2e"):
        printed = subprocess.run(
            ["make", "--no-print-directory", "-n", target],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        java = printed.index("default-jre-headless")
        assert "command -v java" in printed[:java]
        assert java < printed.index("pytest -q")


def test_make_test_runs_on_two_xdist_workers_a_file_per_worker() -> None:
    """pytest-xdist, two workers (the machine's two cores), each file on one worker so
    its module fixtures start once; TEST_WORKERS=0 runs it in one process."""
    runs = [line for line in recipe_lines("test") if "--dist loadfile" in line]
    assert " -n 2 --dist loadfile tests" in runs[0] and " -n 2 --dist loadfile e2e " in runs[1]
    quiet = [line for line in recipe_lines("test", "TEST_WORKERS=0") if "--dist" in line]
    assert all(" -n 0 --dist loadfile " in line for line in quiet) and len(quiet) == 2


def test_the_browser_tests_run_apart_from_the_others() -> None:
    """A worker that ran a Playwright test keeps its event loop running: no test that
    calls asyncio.run may come after one in the same process."""
    lines = [line for line in recipe_lines("test") if "--dist loadfile" in line]
    assert [line.split("--dist loadfile ")[1].split()[0] for line in lines] == ["tests", "e2e"]
