"""CSRF protection, on by default for every state-changing request.

A token is an HMAC, under the app's secret key, of what identifies the visitor: the
session id once signed in (so a token is good for that one session only, and a new one
comes with every sign-in), else a random cookie of the visitor's own. `protect()` wraps
every route answering an unsafe method so the token (form field `csrf_token` or header
`X-CSRF-Token`) is checked before the handler runs; handlers then read the already
parsed form with `await request.form()`. The only way around the check is to list the
route's name in `EXEMPT` with the reason.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.web.cookies import csrf_cookie_name, session_cookie_name
from server.web.state import settings_of

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Route name -> why it may change state without a token (every other route checks).
EXEMPT: dict[str, str] = {
    "stripe_webhook": "Stripe's server calls it, with no session or cookie; the body's "
    "Stripe-Signature (HMAC under the endpoint secret) is checked instead",
}
REFUSAL = "This form has expired or did not come from this site. Reload the page and try again."

Endpoint = Callable[[Request], Awaitable[Response]]


def _visitor_cookie(request: Request) -> str:
    """The anonymous visitor's random cookie, minted (and set by `render`) if missing."""
    value = request.cookies.get(csrf_cookie_name(settings_of(request))) or getattr(
        request.state, "new_csrf", None
    )
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf = value
    return value


def _binding(request: Request) -> str:
    session_id = request.cookies.get(session_cookie_name(settings_of(request)))
    if session_id:
        return f"session:{session_id}"
    return f"visitor:{_visitor_cookie(request)}"


def csrf_token(request: Request) -> str:
    """The token this visitor's forms must carry."""
    secret = str(settings_of(request).secret_key).encode()
    return hmac.new(secret, _binding(request).encode(), hashlib.sha256).hexdigest()


def _set_visitor_cookie(request: Request, response: Response, value: str) -> None:
    settings = settings_of(request)
    response.set_cookie(
        csrf_cookie_name(settings),
        value,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Set the visitor cookie when this request minted one."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        _set_visitor_cookie(request, response, new)


def rotate_csrf_cookie(request: Request, response: Response) -> None:
    """A fresh visitor cookie (at sign-in): tokens issued before it stop working, even
    after the session ends."""
    _set_visitor_cookie(request, response, secrets.token_urlsafe(32))


async def verify_csrf(request: Request) -> None:
    """403 unless the request carries this visitor's token."""
    form = await request.form()  # parsed once; the handler reads the same object
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not sent:
        sent = request.headers.get(CSRF_HEADER, "")
    has_binding = bool(
        request.cookies.get(session_cookie_name(settings_of(request)))
        or request.cookies.get(csrf_cookie_name(settings_of(request)))
    )
    # A token is hex: anything else (é, a megabyte) is refused before comparing.
    if not has_binding or not sent.isascii() or len(sent) > 128:
        raise HTTPException(403, REFUSAL)
    if not hmac.compare_digest(sent.encode(), csrf_token(request).encode()):
        raise HTTPException(403, REFUSAL)


def _checked(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        await verify_csrf(request)
        return await endpoint(request)

    return checked


def protect(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The routes, each answering an unsafe method made to check the CSRF token first,
    unless its name is in EXEMPT."""
    protected: list[BaseRoute] = []
    for route in routes:
        methods = getattr(route, "methods", None) or set()
        if isinstance(route, Route) and methods & UNSAFE_METHODS and route.name not in EXEMPT:
            route = Route(
                route.path,
                _checked(route.endpoint),
                methods=sorted(methods),
                name=route.name,
                include_in_schema=route.include_in_schema,
            )
        protected.append(route)
    return protected
