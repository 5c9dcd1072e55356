"""The W3C Nu Html Checker over every HTML answer a test session saw (issue 24 item 16).

Every text/html response the tests receive is written to one folder, once per distinct
content (a SHA-256 of the document names the file; `urls-<pid>.tsv` says which requests
answered it):

- TestClient answers: tests/nu_plugin.py (loaded by the root conftest.py) wraps
  `TestClient.request`;
- the browser suite's answers: its local uvicorn runs `e2e.nu_app:app`, which is
  `server.app:app` inside `CaptureHtml`, writing into the folder named by NU_CAPTURE_DIR.

An htmx fragment (no doctype) is checked inside a minimal document whose prefix adds no
line, so a message's line is the fragment's own (its <title>, which htmx puts on the page,
goes in the head). At the end of the session the checker runs once over the whole folder
(one JVM start) and every error fails the session, listed with the requests that
answered it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CAPTURE_DIR_VAR = "NU_CAPTURE_DIR"
FRAGMENT_HEAD = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{title}</head><body>'
FRAGMENT_SUFFIX = "\n</body></html>\n"
TIMEOUT = 900.0
# The JVM for one batch run: the client compiler only (C2's optimising compiler cost as much
# CPU as the checking itself; with C1 alone the checker takes half the CPU-seconds for the
# same documents, docs/performance.md), which needs a deeper stack for the HTML schema's
# recursion (at 1 MB C1's frames overflow it), and the serial collector (no GC threads
# competing for the 2 cores).
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-Xss16m", "-XX:+UseSerialGC"]


def is_html(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "text/html"


# The parent an htmx fragment's top-level element is swapped into, by its tag: a
# check-in answers an <li> (and its count, a <dd>, out of band).
CONTEXTS = {
    "li": ("<ul>", "</ul>"),
    "dt": ("<dl>", "</dl>"),
    "dd": ("<dl><dt>context</dt>", "</dl>"),
    "tr": ("<table><tbody>", "</tbody></table>"),
    "td": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "th": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "thead": ("<table>", "</table>"),
    "tbody": ("<table>", "</table>"),
    "option": ("<select>", "</select>"),
}
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _TopLevel(HTMLParser):
    """Where each top-level element of a fragment starts: (offset, tag)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0]
        for line in text.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.depth = 0
        self.starts: list[tuple[int, str]] = []
        self.feed(text)
        self.close()

    def _here(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if self.depth == 0:
            self.starts.append((self._here(), tag))
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if self.depth == 0:
            self.starts.append((self._here(), tag))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth = max(0, self.depth - 1)


def as_document(body: bytes) -> bytes:
    """A full document as it is; a fragment inside the minimal document, each of its
    top-level elements inside the parent it is swapped into (no line is added)."""
    if body.lstrip()[:9].lower() == b"<!doctype":
        return body
    text = body.decode("utf-8", "replace")
    starts = _TopLevel(text).starts
    parts = [text[: starts[0][0]] if starts else text]
    title = "<title>htmx fragment</title>"
    for index, (offset, tag) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        if tag == "title":  # htmx sets the page's title from it
            title = text[offset:end]
            continue
        before, after = CONTEXTS.get(tag, ("", ""))
        parts.append(before + text[offset:end] + after)
    head = FRAGMENT_HEAD.format(title=title)
    return (head + "".join(parts) + FRAGMENT_SUFFIX).encode()


@dataclass(frozen=True)
class Capture:
    """The folder of distinct HTML documents and the requests that answered each."""

    folder: Path

    def record(self, request: str, body: bytes) -> None:
        """Keep `body` (an HTML answer to `request`, e.g. "GET /dispatch")."""
        if not body.strip():
            return
        document = as_document(body)
        digest = hashlib.sha256(document).hexdigest()[:20]
        path = self.folder / f"{digest}.html"
        if not path.exists():
            # Unique per writer: threads of one process can keep the same document at once.
            partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(document)
            partial.replace(path)
        with (self.folder / f"urls-{os.getpid()}.tsv").open("a", encoding="utf-8") as index:
            index.write(f"{digest}\t{request}\n")

    def documents(self) -> list[Path]:
        return sorted(self.folder.glob("*.html"))

    def sources(self) -> dict[str, list[str]]:
        """Each document's digest -> the distinct requests that answered it, in order."""
        found: dict[str, list[str]] = {}
        for index in sorted(self.folder.glob("urls-*.tsv")):
            for line in index.read_text(encoding="utf-8").splitlines():
                digest, _, request = line.partition("\t")
                requests = found.setdefault(digest, [])
                if request not in requests:
                    requests.append(request)
        return found


class CaptureHtml:
    """ASGI middleware: every text/html answer's body also goes to `capture`."""

    def __init__(self, app: ASGIApp, capture: Capture) -> None:
        self.app = app
        self.capture = capture

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        request = f"{scope['method']} {scope['path']}" + (f"?{query}" if query else "")
        html = gzipped = False
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal html, gzipped
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                html = is_html(headers.get(b"content-type", b"").decode("latin-1"))
                gzipped = headers.get(b"content-encoding", b"").lower() == b"gzip"
            elif message["type"] == "http.response.body" and html:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    self.capture.record(request, gzip.decompress(body) if gzipped else body)
            await send(message)

        await self.app(scope, receive, keep)


@dataclass(frozen=True)
class Problem:
    """One error the checker reported, with the requests whose answer has it."""

    requests: list[str]
    line: int | None
    message: str
    extract: str

    def where(self) -> str:
        """The first request that answered it (and how many more), the line, the text."""
        first = self.requests[0] if self.requests else "(unknown request)"
        more = f" (+{len(self.requests) - 1} more)" if len(self.requests) > 1 else ""
        line = f" line {self.line}" if self.line else ""
        return f"{first}{more}{line} [{' '.join(self.extract.split())}]"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def vnu_command(folder: Path) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "the Nu Html Checker needs a Java runtime: `make test` installs Debian's "
            "default-jre-headless (apt-get install default-jre-headless)"
        )
    if not VNU_JAR.is_file():
        raise RuntimeError(f"{VNU_JAR} is missing: run `make setup` (npm's vnu-jar)")
    options = ["--format", "json", "--errors-only", "--skip-non-html"]
    return [java, *JVM_OPTIONS, "-jar", str(VNU_JAR), *options, str(folder)]


def check(capture: Capture, run: Runner = _run) -> list[Problem]:
    """Run the checker once over every captured document; its errors, with sources."""
    if not capture.documents():
        return []
    done = run(vnu_command(capture.folder))
    report = _report(done.stderr) or _report(done.stdout)
    if report is None:
        raise RuntimeError(
            f"the Nu Html Checker gave no report (exit {done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}"
        )
    sources = capture.sources()
    problems = []
    for message in report.get("messages", []):
        if message.get("type") != "error":
            continue
        digest = Path(str(message.get("url", ""))).stem
        problems.append(
            Problem(
                requests=sources.get(digest, [f"(document {digest})"]),
                line=message.get("lastLine"),
                message=str(message.get("message", "")),
                extract=str(message.get("extract", "")),
            )
        )
    return problems


def _report(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if not text.startswith("{"):
        return None
    data: dict[str, Any] = json.loads(text, strict=False)
    return data
