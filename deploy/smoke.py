"""The smoke test every deploy ends with: the stage answers through CloudFront, the
app for its paths and S3 for `/static/*`."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from deploy.errors import DeployError, Say


@dataclass(frozen=True)
class FetchResult:
    status: int
    headers: dict[str, str]
    body: bytes


def http_fetch(url: str) -> FetchResult:
    request = urllib.request.Request(url, headers={"User-Agent": "scc-deploy-smoke-test"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return FetchResult(response.status, headers, response.read())
    except urllib.error.HTTPError as exc:
        headers = {k.lower(): v for k, v in exc.headers.items()}
        return FetchResult(exc.code, headers, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise DeployError(f"{url}: {exc}") from exc


Fetch = Callable[[str], FetchResult]


SMOKE_EVENT = "2000-01-01-smoke"  # a well-formed id no one books: the app must say 404


def smoke_test(base_url: str, fetch: Fetch, waiver_event: str | None, say: Say) -> None:
    """`/healthz`, the login page and every static asset it links, a waiver page.
    Proves the app answers through CloudFront and static files come from S3."""
    base = base_url.rstrip("/")

    def get(path: str) -> FetchResult:
        return fetch(base + path)

    def is_html(result: FetchResult) -> bool:
        return result.headers.get("content-type", "").startswith("text/html")

    health = get("/healthz")
    if health.status != 200 or health.body.strip() != b"ok":
        raise DeployError(f"/healthz answered {health.status}: {health.body[:200]!r}")
    say("  /healthz: 200 ok")

    login = get("/login")
    if login.status != 200 or not is_html(login) or b'name="csrf_token"' not in login.body:
        raise DeployError(f"/login answered {login.status} without the sign-in form")
    say("  /login: 200, the sign-in form")
    for path in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', login.body.decode()))):
        asset = get(path)
        if asset.status != 200 or "immutable" not in asset.headers.get("cache-control", ""):
            raise DeployError(
                f"{path} answered {asset.status} ({asset.headers.get('cache-control')}): "
                "the static assets are not in the bucket"
            )
        say(f"  {path}: 200, immutable")

    if waiver_event:
        waiver = get(f"/g/{waiver_event}/waiver")
        if waiver.status != 200 or not is_html(waiver) or b"<form" not in waiver.body:
            raise DeployError(f"/g/{waiver_event}/waiver answered {waiver.status}")
        say(f"  /g/{waiver_event}/waiver: 200, the waiver form")
    else:
        # No trip to sign for: an unknown trip must get the app's own 404 page (not
        # S3's XML error, which is what a misrouted path would get).
        path = f"/g/{SMOKE_EVENT}/waiver"
        waiver = get(path)
        if waiver.status != 404 or not is_html(waiver) or b"Ship Captain Crew" not in waiver.body:
            raise DeployError(
                f"{path} answered {waiver.status} {waiver.headers.get('content-type')}: "
                "not the app's 404 page, so waiver links do not reach the app"
            )
        say(f"  {path}: the app's 404 page (pass --waiver-event ID to check a real one)")
