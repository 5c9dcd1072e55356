"""Session-wide: the Nu Html Checker over every HTML answer the tests saw (tests/nu.py).

Every TestClient answer of text/html is captured here, and the browser suite's local
stage captures its own (e2e/conftest.py passes `html_capture`'s folder on). When the
session ends the checker runs once over everything; any error fails the session and is
listed with the request that answered it (the full list: var/nu-html-checker.txt).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.nu import Capture, Problem, check, is_html

REPORT = Path(__file__).resolve().parent / "var" / "nu-html-checker.txt"
SHOWN = 60  # errors printed in the terminal; the report file has all
_capture = pytest.StashKey[Capture]()
_problems = pytest.StashKey[list[Problem]]()
_original_request = TestClient.request


def pytest_configure(config: pytest.Config) -> None:
    capture = Capture(Path(tempfile.mkdtemp(prefix="scc-nu-")))
    config.stash[_capture] = capture

    def request(self: TestClient, method: str, url: Any, **kwargs: Any) -> httpx.Response:
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
    if capture is not None:
        shutil.rmtree(capture.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def html_capture(pytestconfig: pytest.Config) -> Capture:
    """The session's folder of HTML answers (the browser suite's stage writes there)."""
    return pytestconfig.stash[_capture]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    capture = session.config.stash[_capture]
    if not capture.documents() or session.config.option.collectonly:
        return
    problems = check(capture)
    session.config.stash[_problems] = problems
    if problems:
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text("".join(f"{problem}\n" for problem in problems), encoding="utf-8")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    capture = config.stash[_capture]
    problems = config.stash.get(_problems, None)
    if problems is None:
        return
    documents = len(capture.documents())
    if not problems:
        terminalreporter.write_line(f"Nu Html Checker: {documents} HTML documents, 0 errors")
        return
    terminalreporter.section("Nu Html Checker", sep="=", red=True, bold=True)
    for problem in problems[:SHOWN]:
        terminalreporter.write_line(str(problem))
    terminalreporter.write_line(
        f"Nu Html Checker: {len(problems)} errors in {documents} HTML documents "
        f"(all of them in {REPORT.relative_to(REPORT.parent.parent)})",
        red=True,
    )
