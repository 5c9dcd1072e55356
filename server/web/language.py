"""The patron's language on the patron's pages (/g/...; issue 30): chosen by
`server.domain.languages.choose` from `?lang=`, the cookie the switch sets, and
`Accept-Language`. Crew and captain pages stay English."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.domain.languages import DEFAULT, NAMES, choose, known
from server.web.cookies import language_cookie_name
from server.web.state import settings_of

PATRON_PREFIX = "/g/"
COOKIE_SECONDS = 365 * 24 * 3600


def is_patron_page(request: Request) -> bool:
    return request.url.path.startswith(PATRON_PREFIX)


def language_of(request: Request) -> str:
    """The language this request's page is in (English off the patron's pages)."""
    if not is_patron_page(request):
        return DEFAULT
    cached = getattr(request.state, "language", None)
    if cached:
        return str(cached)
    cookie = request.cookies.get(language_cookie_name(settings_of(request)))
    chosen = choose(
        request.query_params.get("lang"), cookie, request.headers.get("accept-language")
    )
    request.state.language = chosen
    return chosen


def remember(request: Request, response: Response) -> None:
    """A `?lang=` link chose a language: keep it in the cookie for the next pages."""
    wanted = known(request.query_params.get("lang"))
    if not wanted or not is_patron_page(request):
        return
    settings = settings_of(request)
    if request.cookies.get(language_cookie_name(settings)) == wanted:
        return
    response.set_cookie(
        language_cookie_name(settings),
        wanted,
        max_age=COOKIE_SECONDS,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )


def switch_links(request: Request) -> list[tuple[str, str, str, bool]]:
    """The "English | Español" switch: (code, name, href, current) for each language,
    each a plain link to this page with its `?lang=` alone: the page's other query values
    (`?after=<waiver id>`) are one-time and name a signed waiver, so they are not copied
    into every link (the form after signing then asks again, in the chosen language)."""
    current = language_of(request)
    return [
        (code, name, f"{request.url.path}?{urlencode({'lang': code})}", code == current)
        for code, name in NAMES.items()
    ]
