"""Post/redirect/get for a refused plain form (JavaScript off): the POST keeps what was
typed in a short-lived signed cookie and answers 303 to the form's own page, which shows
it again with its messages. The browser's history then holds only GETs, so Back after a
refusal (or after the save that follows it) never asks to resubmit a form.

Used where the entry is small and not personal: the Log Payment page. Forms holding
personal data (the waiver) keep answering the refusal with a 422 re-render, so nothing
they hold is ever stored in a cookie (docs/decisions.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.web.cookies import draft_cookie_name
from server.web.state import settings_of

DRAFT_SECONDS = 10 * 60
# Browsers keep cookies up to 4096 bytes; past this the refusal is re-rendered instead.
MAX_COOKIE = 3800


def _signature(request: Request, payload: str) -> str:
    secret = str(settings_of(request).secret_key).encode()
    return hmac.new(secret, b"draft:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def redirect_with_draft(
    request: Request, url: str, form: str, key: str, data: Mapping[str, Any]
) -> Response | None:
    """A 303 to `url` carrying `data` for the form `form` about `key` (an event id); None
    when it would not fit in a cookie (the caller re-renders the refusal itself)."""
    body = json.dumps(
        {"form": form, "key": key, "at": int(time.time()), "data": dict(data)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    value = f"{payload}.{_signature(request, payload)}"
    if len(value) > MAX_COOKIE:
        return None
    response = RedirectResponse(url, status_code=303, headers={"Vary": "HX-Request"})
    settings = settings_of(request)
    response.set_cookie(
        draft_cookie_name(settings),
        value,
        max_age=DRAFT_SECONDS,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return response


def take_draft(request: Request, form: str, key: str) -> dict[str, Any] | None:
    """The draft kept for this form and key, if its signature holds and it is fresh."""
    raw = request.cookies.get(draft_cookie_name(settings_of(request)), "")
    payload, _, signature = raw.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(request, payload)):
        return None
    try:
        kept = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(kept, dict) or kept.get("form") != form or kept.get("key") != key:
        return None
    if not isinstance(kept.get("at"), int) or time.time() - kept["at"] > DRAFT_SECONDS:
        return None
    data = kept.get("data")
    return data if isinstance(data, dict) else None


def forget_draft(request: Request, response: Response) -> None:
    """Shown once: the cookie goes with the page that showed it."""
    settings = settings_of(request)
    if draft_cookie_name(settings) in request.cookies:
        response.delete_cookie(
            draft_cookie_name(settings),
            path="/",
            httponly=True,
            secure=settings.secure_cookies,
            samesite="lax",
        )
