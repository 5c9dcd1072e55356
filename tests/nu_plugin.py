"""The pytest plugin (loaded by the root conftest.py) that runs the Nu Html Checker over
every HTML answer the session saw (tests/nu.py).

Every TestClient answer of text/html is captured here, and the browser suite's local
uvicorn captures its own into the same folder (NU_CAPTURE_DIR, set here for the session,
makes e2e/stack.py serve e2e/nu_app.py). When the
session ends the checker runs once over everything; any error fails the session and is
listed with the request that answered it (the full list: var/nu-html-checker.txt under
the rootdir).

Under pytest-xdist (`make test` runs `-n 2`) the controller makes the folder before its
workers start; each worker (a process with `config.workerinput`) captures into that same
folder (NU_CAPTURE_DIR, inherited) and checks nothing itself; the controller checks
every worker's documents once, at its own session's end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.nu import CAPTURE_DIR_VAR, Capture, Problem, check, is_html

REPORT = Path("var") / "nu-html-checker.txt"  # under the rootdir
SHOWN = 40  # distinct messages printed in the terminal; the report file has every error
_capture = pytest.StashKey[Capture]()
_problems = pytest.StashKey[list[Problem]]()
_seconds = pytest.StashKey[float]()
_original_request = TestClient.request


def is_xdist_worker(config: pytest.Config) -> bool:
    """True in a pytest-xdist worker (the controller and a plain run have no
    `workerinput`; PYTEST_XDIST_WORKER is not asked, since a worker's child pytest
    inherits it)."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if is_xdist_worker(config):  # the controller's folder, set before it started us
        capture = Capture(Path(os.environ[CAPTURE_DIR_VAR]))
    else:
        capture = Capture(Path(tempfile.mkdtemp(prefix="scc-nu-")))
        os.environ[CAPTURE_DIR_VAR] = str(capture.folder)  # workers, the e2e uvicorn
    config.stash[_capture] = capture

    def request(self: TestClient, method: str, url: Any, **kwargs: Any) -> Any:
        response = _original_request(self, method, url, **kwargs)
        if is_html(response.headers.get("content-type", "")):
            target = response.request.url
            path = target.raw_path.decode("ascii", "replace")
            capture.record(f"{response.request.method} {path}", response.content)
        return response

    TestClient.request = request  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    TestClient.request = _original_request  # type: ignore[method-assign]
    capture = config.stash.get(_capture, None)
    if capture is not None and not is_xdist_worker(config):
        os.environ.pop(CAPTURE_DIR_VAR, None)
        shutil.rmtree(capture.folder, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    capture = session.config.stash[_capture]
    stopped = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR)
    if stopped or session.config.option.collectonly or not capture.documents():
        return
    if is_xdist_worker(session.config):  # the controller checks what every worker kept
        return
    started = time.monotonic()
    try:
        problems = check(capture)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as failed:  # no Java, no jar
        problems = [Problem(["(the Nu Html Checker did not run)"], None, str(failed), "")]
    session.config.stash[_problems] = problems
    session.config.stash[_seconds] = time.monotonic() - started
    report = session.config.rootpath / REPORT
    report.unlink(missing_ok=True)
    if problems:
        report.parent.mkdir(exist_ok=True)
        report.write_text("".join(f"{problem}\n" for problem in problems), encoding="utf-8")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Each distinct error once, with how many answers have it and the first of them."""
    capture = config.stash[_capture]
    problems = config.stash.get(_problems, None)
    if problems is None:
        return
    documents = len(capture.documents())
    took = f"checked in {config.stash.get(_seconds, 0.0):.1f} s"
    if not problems:
        terminalreporter.write_line(
            f"Nu Html Checker: {documents} HTML documents, 0 errors ({took})"
        )
        return
    terminalreporter.section("Nu Html Checker", sep="=", red=True, bold=True)
    by_message: dict[str, list[Problem]] = {}
    for problem in problems:
        by_message.setdefault(problem.message, []).append(problem)
    for message, same in list(by_message.items())[:SHOWN]:
        terminalreporter.write_line(f"{len(same)}x {message}\n    e.g. {same[0].where()}")
    terminalreporter.write_line(
        f"Nu Html Checker: {len(problems)} errors in {documents} HTML documents, {took} "
        f"(each one with its request in {REPORT})",
        red=True,
    )
