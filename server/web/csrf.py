"""CSRF protection: a random cookie, and an HMAC of it in every form or X-CSRF-Token header."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.forms import text_field
from server.web.state import settings_of

CSRF_COOKIE = "scc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _csrf_cookie_value(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf = value
    return value


def csrf_token(request: Request) -> str:
    secret = str(settings_of(request).secret_key).encode()
    return hmac.new(secret, _csrf_cookie_value(request).encode(), hashlib.sha256).hexdigest()


def set_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            path="/",
            httponly=True,
            secure=settings_of(request).secure_cookies,
            samesite="lax",
        )


async def checked_form(request: Request) -> FormData:
    """The request's form, after checking its CSRF token (form field or header).
    Every state-changing handler reads its form through here."""
    form = await request.form()
    sent = text_field(form, CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(
            403,
            "This form has expired or did not come from this site. Reload the page and try again.",
        )
    return form
