"""The Nu Html Checker's place in the test session (issue 24 item 16): a known-bad answer
fails the session with its request named; fragments are checked in the parent htmx
swaps them into; only HTML answers are kept, once per distinct document."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message

from server.store import Store
from tests.conftest import sign_in
from tests.nu import Capture, CaptureHtml, as_document

ROOT = Path(__file__).resolve().parent.parent

INNER_TEST = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

BAD = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
       '<body><h1>t</h1><div aria-label="named">an unnamed div</div></body></html>')


async def bad(request):
    return HTMLResponse(BAD)


async def rows(request):  # a valid fragment: checked inside a <ul> and a <dl>
    return HTMLResponse('<li id="a">Rae</li>\\n<dd id="n" data-hx-swap-oob="true">1</dd>')


def test_pages_answer():
    app = Starlette(routes=[Route("/bad-page", bad), Route("/rows", rows, methods=["POST"])])
    with TestClient(app) as client:
        assert client.get("/bad-page").status_code == 200
        assert client.post("/rows").status_code == 200
"""


def test_a_known_bad_answer_fails_the_session_naming_its_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session whose only test passes but whose HTML has an error exits 1, and the
    error is listed with the request that answered it (terminal and report file)."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_inner=INNER_TEST)
    result = pytester.runpytest_subprocess("-p", "tests.nu_plugin", "-p", "no:cacheprovider")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "1 passed" in output
    assert "Nu Html Checker: 1 errors in 2 HTML documents, checked in " in output
    assert "GET /bad-page line 1" in output
    assert "“aria-label” attribute must not be specified on any “div”" in output
    report = (pytester.path / "var" / "nu-html-checker.txt").read_text(encoding="utf-8")
    assert report.startswith("GET /bad-page line 1 [") and report.count("\n") == 1
    assert "/rows" not in report


def test_a_fragment_is_checked_in_the_parent_it_is_swapped_into() -> None:
    fragment = b'<li id="a">\n <p>Rae</p></li><dd id="n" data-hx-swap-oob="true">1</dd>\n'
    document = as_document(fragment).decode()
    assert document.startswith("<!DOCTYPE html>")
    assert '<body><ul><li id="a">\n <p>Rae</p></li></ul><dl><dt>context</dt><dd id="n"' in document
    assert document.count("\n") == fragment.count(b"\n") + 2  # line numbers stay the fragment's
    titled = as_document(b"<title>Trip \xc2\xb7 Ship Captain Crew</title>\n<section>x</section>")
    assert titled.startswith(
        b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Trip'
    )
    assert b"</title>\n</head><body><section>x</section>" in titled  # htmx's page title
    page = b"<!doctype html>\n<html></html>"
    assert as_document(page) == page


def test_only_html_answers_are_kept_once_per_distinct_document(tmp_path: Path) -> None:
    async def page(request: object) -> HTMLResponse:
        return HTMLResponse("<p>same</p>")

    async def data(request: object) -> JSONResponse:
        return JSONResponse({"html": "<p>not html</p>"})

    capture = Capture(tmp_path)
    routes = [Route("/a", page), Route("/b", page), Route("/j", data)]
    # As in the app: compressed on the way out, kept as the browser reads it.
    app = CaptureHtml(GZipMiddleware(Starlette(routes=routes), minimum_size=1), capture)

    async def call(path: str, query: bytes = b"") -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query,
            "headers": [(b"accept-encoding", b"gzip")],
            "http_version": "1.1",
            "scheme": "http",
            "server": ("test", 80),
            "root_path": "",
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            return None

        await app(scope, receive, send)

    for path, query in (("/a", b"x=1"), ("/b", b""), ("/j", b""), ("/a", b"x=1")):
        asyncio.run(call(path, query))
    assert [path.read_bytes() for path in capture.documents()] == [as_document(b"<p>same</p>")]
    assert list(capture.sources().values()) == [["GET /a?x=1", "GET /b"]]


def test_code_points_html_forbids_are_not_echoed_into_a_page(
    client: TestClient, store: Store
) -> None:
    """A refused filter shows what was typed (in the title and the field), less what
    HTML may not carry (the Nu checker's "forbidden code point": C0/C1 controls, DEL,
    non-characters); the rest, tabs and non-ASCII included, is kept."""
    sign_in(client, store, "captain")
    typed = "\x88x\x7f\x19\ufdd0\U0010ffff\tZoë"
    page = client.get("/admin/payments", params={"date": typed})
    assert page.status_code == 422
    assert not re.search("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\U0010ffff]", page.text)
    assert page.text.count("x\tZoë") >= 2  # <title> and the date field


def test_a_typed_filter_comes_back_without_line_breaks(client: TestClient, store: Store) -> None:
    """An input's value may hold no line break (a browser strips them; the Nu checker
    refuses them), so a refused date filter shows what was typed without them."""
    sign_in(client, store, "captain")
    for path, name in (
        ("/admin/payments", "date"),
        ("/admin/payments/range", "from"),
        ("/admin/audit", "date"),
    ):
        page = client.get(path, params={name: "\n2026-\r\n13-01\t"})
        assert page.status_code in (200, 422), path
        field = re.search(rf'<input id="{name}"[^>]*>', page.text)
        assert field, path
        assert 'value="2026-13-01\t"' in field.group(0), field.group(0)
