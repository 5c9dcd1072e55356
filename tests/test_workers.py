"""`make test` runs on pytest-xdist workers (`-n 2`): the session-wide checks still see
every worker's records and still fail the run, wherever the violation happened.

- The Nu Html Checker: workers capture into the controller's folder and the controller
  checks them all once (tests/nu_plugin.py).
- The AppRole check of the app's AWS calls: each worker checks its own call log when its
  session ends (tests/conftest.py), which xdist reports as that worker's error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

A_BAD_PAGE = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

BAD = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
       '<body><h1>t</h1><div aria-label="named">an unnamed div</div></body></html>')


async def bad(request):
    return HTMLResponse(BAD)


def test_the_page_answers():
    with TestClient(Starlette(routes=[Route("/bad-page", bad)])) as client:
        assert client.get("/bad-page").status_code == 200
"""

A_PLAIN_TEST = """
def test_nothing_to_see():
    assert True
"""

A_REFUSED_CALL = """
import json
from tests.conftest import CALL_LOG

def test_the_app_deletes_a_table():
    call = {CALL}
    with CALL_LOG.open("a", encoding="utf-8") as log:
        log.write(json.dumps(call) + "\\n")
"""


def run_on_two_workers(pytester: pytest.Pytester, *plugins: str) -> pytest.RunResult:
    options = [arg for plugin in plugins for arg in ("-p", plugin)]
    return pytester.runpytest_subprocess(
        "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider", *options
    )


def test_a_bad_page_seen_by_a_worker_fails_the_run_checked_once_by_the_controller(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_bad_page=A_BAD_PAGE, test_plain=A_PLAIN_TEST)
    result = run_on_two_workers(pytester, "tests.nu_plugin")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "2 passed" in output
    # One check (the controller's), over the documents the worker kept.
    assert output.count("Nu Html Checker: 1 errors in 1 HTML documents") == 1, output
    assert "GET /bad-page line 1" in output


def test_a_refused_aws_call_in_a_worker_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    call = {
        "service": "dynamodb",
        "iam": "dynamodb",
        "operation": "DeleteTable",
        "params": {"TableName": "t0123456789ab-events"},
        "frames": ["server/store/events.py"],
    }
    pytester.makepyfile(
        test_refused=A_REFUSED_CALL.replace("{CALL}", json.dumps(call)), test_plain=A_PLAIN_TEST
    )
    result = run_on_two_workers(pytester, "tests.conftest")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "2 passed, 1 error" in output, output
    assert "AppRole does not allow what the app did" in output
    assert "dynamodb:DeleteTable on the events table (from server/store/events.py)" in output
