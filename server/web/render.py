"""Rendering: the one place that decides page, fragment or JSON, and the one error path.

A page template extends `base.html` and includes its partial; an htmx request gets the
partial alone, so the two cannot drift. Handlers never read `HX-*` headers themselves.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC
from enum import Enum
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from markupsafe import Markup
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound, Route

from server import observe
from server.web import security
from server.web.cookies import session_cookie_name
from server.web.csrf import csrf_token, set_csrf_cookie
from server.web.state import settings_of

log = logging.getLogger(__name__)


class Kind(Enum):
    PAGE = "page"
    FRAGMENT = "fragment"
    JSON = "json"


def response_kind(request: Request) -> Kind:
    """JSON when asked for; a fragment for htmx (but not for its history restore, which
    needs the whole page); a full page otherwise."""
    if "application/json" in request.headers.get("accept", ""):
        return Kind.JSON
    if (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    ):
        return Kind.FRAGMENT
    return Kind.PAGE


def _url(app: Any) -> Callable[..., URLPath]:
    """`url(name, **params)` for templates: the app's `url_path_for` with the route found
    by name in a dict made once per app, rather than by trying every route in turn
    (~25 us a call; a dashboard card makes four or more; issue 18)."""
    cached: Callable[..., URLPath] | None = getattr(app.state, "url_by_name", None)
    if cached is not None:
        return cached
    routes: dict[str, Any] = {}
    for route in app.routes:
        if isinstance(route, Route):
            routes.setdefault(route.name, route)

    def url(name: str, /, **params: Any) -> URLPath:
        route = routes.get(name)
        if route is not None:
            try:
                found: URLPath = route.url_path_for(name, **params)
                return found
            except NoMatchFound:
                pass
        return app.url_path_for(name, **params)  # type: ignore[no-any-return]

    app.state.url_by_name = url
    return url


def _context(request: Request, context: Mapping[str, Any]) -> dict[str, Any]:
    settings = getattr(request.app.state, "settings", None)
    return {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "url": _url(request.app),
        "timezone": settings.timezone if settings is not None else UTC,
        "operator": settings.operator_name if settings is not None else "",  # patron pages
        "contact": settings.operator_contact if settings else dict.fromkeys(("phone", "email")),
        # Who to call about an overdue trip (the float plan on the card and trip page).
        "shore_contacts": settings.shore_contacts if settings is not None else [],
        "uscg": (settings.uscg_sector_phone, settings.uscg_sector_tel) if settings else None,
        **context,
    }


def render(
    request: Request,
    page: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render `page`, or `fragment` alone for an htmx request. Sets `Vary: HX-Request`
    and the CSRF cookie when this visitor has none yet."""
    env: jinja2.Environment = request.app.state.templates
    use_fragment = fragment is not None and response_kind(request) is Kind.FRAGMENT
    name = fragment if use_fragment and fragment else page
    values = _context(request, context or {})
    with observe.rendering():
        body = env.get_template(name).render(values)
        if use_fragment and request.headers.get("hx-target") == "main":
            body = _title_of(env.get_template(page), values) + body
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Vary"] = "HX-Request"
    set_csrf_cookie(request, response)
    return response


def _title_of(template: jinja2.Template, values: dict[str, Any]) -> str:
    """The page's <title>, for a fragment that replaces the whole of <main> (htmx sets
    document.title from it), so the title follows the page and not the one before."""
    block = template.blocks.get("title")
    if block is None:
        return ""
    text = "".join(block(template.new_context(values))).strip()
    return str(Markup("<title>{}</title>").format(Markup(text)))


def redirect(request: Request, url: str, status_code: int = 303) -> Response:
    """A redirect that htmx follows as a whole-page navigation (HX-Redirect)."""
    if response_kind(request) is Kind.FRAGMENT:
        return Response(status_code=204, headers={"HX-Redirect": url, "Vary": "HX-Request"})
    return RedirectResponse(url, status_code=status_code, headers={"Vary": "HX-Request"})


DEFAULT_NEXT = "/dispatch"
MAX_NEXT = 2000
# Characters left as they are when a target is percent-encoded (RFC 3986 reserved and
# unreserved ones); everything else, spaces and non-ASCII included, is encoded.
_URL_SAFE = "/?#[]@!$&'()*+,;=:-._~%"


def safe_next(target: str | None) -> str:
    """The one normalisation of a `next` target (query, form, HX-Redirect): a path on
    this site, as ASCII. Control or formatting characters, a backslash, a scheme, a host
    or a leading `//` make it the dashboard instead."""
    if not target or len(target) > MAX_NEXT or "\\" in target:
        return DEFAULT_NEXT
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in target):
        return DEFAULT_NEXT
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return quote(target, safe=_URL_SAFE)


# --- the one error path ------------------------------------------------------------

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in needed", "Please sign in to continue."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Not found", "There is nothing at this address. Check the link you followed."),
    405: ("Not allowed", "That action is not available here."),
    410: ("No longer open", "This is no longer available."),
    409: ("Conflict", "That could not be saved because it conflicts with what is stored."),
    429: ("Please wait", "Too many requests came from this connection. Try again later."),
    503: (
        "Temporarily unavailable",
        "The service could not reach its database. Nothing was saved; it is safe to try again.",
    ),
    500: ("Something went wrong", "This is a bug on our side. Nothing you typed caused it."),
}


class LoginRequired(Exception):
    """The visitor must sign in first."""


class EventMoved(Exception):
    """The event was renamed; answer a permanent redirect to its new id."""

    def __init__(self, old_id: str, new_id: str) -> None:
        super().__init__(new_id)
        self.old_id = old_id
        self.new_id = new_id


def json_error(
    message: str, status_code: int, fields: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one JSON error shape: `{"error": message, "fields": {field: message}}`."""
    return JSONResponse({"error": message, "fields": dict(fields or {})}, status_code=status_code)


def json_form_error(errors: Mapping[str, str], status_code: int) -> JSONResponse:
    """A form's errors as JSON: the whole-form message (or a summary) and each field's."""
    fields = {k: v for k, v in errors.items() if k != "form"}
    message = errors.get("form") or "Check the highlighted fields: " + " ".join(fields.values())
    return json_error(message, status_code, fields)


def error_response(request: Request, status_code: int, detail: str | None = None) -> Response:
    title, default_message = MESSAGES.get(status_code, MESSAGES[500])
    message = detail if detail and detail not in _GENERIC_DETAILS else default_message
    kind = response_kind(request)
    if kind is Kind.JSON:
        return json_error(message, status_code)
    context = {"title": title, "message": message, "status_code": status_code}
    return render(request, "error.html", context, fragment="_error.html", status_code=status_code)


# Starlette's stock phrases ("Not Found") are replaced by our friendlier ones.
_GENERIC_DETAILS = {"Not Found", "Method Not Allowed", "Forbidden", "Unauthorized", "Bad Request"}


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(request, exc.status_code, exc.detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def handle_login_required(request: Request, exc: Exception) -> Response:
    if response_kind(request) is Kind.JSON:
        return error_response(request, 401)
    login = str(request.app.url_path_for("login"))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method == "GET" and target != "/":
        login = f"{login}?{urlencode({'next': safe_next(target)}, safe='/')}"
    return redirect(request, login)


async def handle_event_moved(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EventMoved)
    path = request.url.path.replace(f"/{exc.old_id}", f"/{exc.new_id}", 1)
    # 308 keeps a POST a POST, so a payment sent to the old id lands on the new one.
    status = 301 if request.method in ("GET", "HEAD") else 308
    return RedirectResponse(path, status_code=status)


async def handle_store_error(request: Request, exc: Exception) -> Response:
    """DynamoDB unreachable or throttling (`StoreUnavailable`): 503 saying nothing was
    saved. Any other `StoreError` is a bug and goes to the 500 handler."""
    log.warning("store unavailable: %s", exc)
    return error_response(request, 503)


async def handle_server_error(request: Request, exc: Exception) -> Response:
    # The route's name, not the path: event ids hold patrons' names.
    log.exception(
        "unhandled error",
        extra={"request_id": observe.request_id(), "route": observe.route_name(request.scope)},
    )
    response = error_response(request, 500)
    # This handler runs outside the middleware stack, so it adds the headers itself.
    private = session_cookie_name(settings_of(request)) in request.cookies
    security.apply(response.headers, settings_of(request).secure_cookies, private=private)
    return response
