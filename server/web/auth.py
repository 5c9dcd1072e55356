"""Sign-in and sign-out, server-side sessions and the role guards."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.clock import clock_label
from server.domain.forms import text_field
from server.domain.rate_limits import (
    SIGN_IN_ACCOUNT,
    SIGN_IN_ACCOUNT_AND_IP,
    SIGN_IN_IP,
    SIGN_IN_KNOWN_DEVICE,
    Limit,
    ip_key,
)
from server.domain.users import MAX_PASSWORD, User, check_password, normalize_email
from server.settings import Settings
from server.store import Store
from server.web import cookies
from server.web.client_address import client_ip
from server.web.csrf import rotate_csrf_cookie
from server.web.known_device import known_device, remember_device
from server.web.render import LoginRequired, redirect, render, safe_next
from server.web.routing import Routes
from server.web.state import blocking, settings_of, store_of

routes = Routes()

# Refresh `last_seen_at` at most this often, so reading a page is not a write.
TOUCH_EVERY_SECONDS = 3600
DAY = 86400

Endpoint = Callable[[Request], Awaitable[Response]]


# --- sessions ------------------------------------------------------------------------


def session_cookie_name(request: Request) -> str:
    return cookies.session_cookie_name(settings_of(request))


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(request: Request, response: Response, user: dict[str, Any]) -> None:
    """A fresh random id (256 bits) at every sign-in: no session fixation. CSRF tokens
    are bound to the session id, so they change too, and the visitor cookie that bound
    the anonymous tokens is replaced."""
    store, settings = store_of(request), settings_of(request)
    session_id = secrets.token_urlsafe(32)
    now = int(time.time())
    store.sessions.create(
        _session_key(session_id), user, now, now + settings.session_max_days * DAY
    )
    response.set_cookie(
        session_cookie_name(request),
        session_id,
        max_age=settings.session_max_days * DAY,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    rotate_csrf_cookie(request, response)


# `cached_user`'s answer when the session is not in this process's copy, or is but needs
# a write (expired: deleted on sight; or its `last_seen_at` due a touch): `load_user`.
NEEDS_STORE = object()


def cached_user(request: Request) -> User | None | object:
    """`load_user` from this process's copy of the session alone, making no call: run in
    the event loop's thread, it spares the request a hop to the thread pool (issue 29).
    NEEDS_STORE when that would have to read or write the sessions table."""
    session_id = request.cookies.get(session_cookie_name(request))
    if not session_id:
        return None
    item = store_of(request).sessions.cached(_session_key(session_id))
    if item is None or _due(item, settings_of(request), int(time.time())):
        return NEEDS_STORE
    return _user(item)


def load_user(request: Request) -> User | None:
    """The signed-in user, from one GetItem on the sessions table (or this process's
    copy of it, a few seconds old at most); expired sessions are deleted on sight."""
    session_id = request.cookies.get(session_cookie_name(request))
    if not session_id:
        return None
    store, settings = store_of(request), settings_of(request)
    key = _session_key(session_id)
    item = store.sessions.get(key)
    if item is None:
        return None
    now = int(time.time())
    due = _due(item, settings, now)
    if due == "expired":
        store.sessions.delete(key)
        return None
    if due == "touch" and not store.sessions.touch(key, now):
        return None
    return _user(item)


def _due(item: dict[str, Any], settings: Settings, now: int) -> str:
    """What the session needs written now: "expired" (idle or too old), "touch" (its
    `last_seen_at` is refreshed at most hourly, so reading a page is not a write), or ""."""
    idle_limit = int(item["last_seen_at"]) + settings.session_idle_days * DAY
    absolute_limit = int(item["created_at"]) + settings.session_max_days * DAY
    if now >= idle_limit or now >= absolute_limit:
        return "expired"
    return "touch" if now - int(item["last_seen_at"]) > TOUCH_EVERY_SECONDS else ""


def _user(item: dict[str, Any]) -> User:
    return User(email=item["email"], name=item["name"], role=item["role"])


def requires(*roles: str) -> Callable[[Endpoint], Endpoint]:
    """Guard an endpoint: anonymous visitors go to /login (htmx: HX-Redirect), other
    roles get 403. The user is on `request.state.user` for the handler and templates."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = cached_user(request)
            if user is NEEDS_STORE:
                user = await blocking(request, load_user, request)
            if not isinstance(user, User):
                raise LoginRequired()
            request.state.user = user
            if user.role not in roles:
                raise HTTPException(403)
            return await endpoint(request)

        return guarded

    return decorate


crew_only = requires("crew", "captain")
captain_only = requires("captain")


# --- routes --------------------------------------------------------------------------


@routes.get("/login", "login")
async def login_form(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if await run_in_threadpool(load_user, request):
        return redirect(request, target)
    return render(request, "login.html", {"email": "", "next": target, "error": None})


NO_MATCH = "That email and password do not match an active account."


@dataclass(frozen=True)
class SignInResult:
    user: dict[str, Any] | None
    locked_until: float | None = None


def sign_in_limits(email: str, ip: str, device: str | None) -> list[tuple[Limit, str]]:
    # Keys hold a hash of the email, not the address itself.
    account = hashlib.sha256(email.encode()).hexdigest()[:32]
    host = ip_key(ip)
    # A known device is past the account-wide limit (a lever strangers could pull to
    # lock the owner out), not past the IP limits; its own limit counts its failures.
    wide = (SIGN_IN_KNOWN_DEVICE, f"{account}:{device}") if device else (SIGN_IN_ACCOUNT, account)
    return [(SIGN_IN_ACCOUNT_AND_IP, f"{account}:{host}"), wide, (SIGN_IN_IP, host)]


def attempt_sign_in(
    store: Store, email: str, password: str, ip: str, now: float, device: str | None = None
) -> SignInResult:
    """Check a sign-in against the failure limits (this account from this IP, this
    account from anywhere or from this known device, this IP for any account). The try
    is counted before the password is checked, in one conditional write per limit, so
    parallel tries get no more checks than the limit; a correct password then clears
    the pair's count and gives the others back. Unknown emails and wrong passwords cost
    the same (Argon2 either way) and count the same."""
    limits = sign_in_limits(email, ip, device)
    taken = store.limits.take(limits, now)
    if not taken.admitted:
        return SignInResult(None, float(taken.until or now))
    user = store.users.get(email) if email else None
    if check_password(user, password) and user is not None and not user.get("disabled"):
        store.limits.clear(*limits[0])
        store.limits.give_back(taken.spent[1:])
        return SignInResult(user)
    return SignInResult(None, float(taken.until) if taken.until is not None else None)


def _locked_message(timezone: tzinfo, until: float, now: float) -> str:
    local = datetime.fromtimestamp(until, timezone)
    minutes = max(1, round((until - now) / 60))
    return (
        "Too many failed sign-ins. For your security, try again after "
        f"{clock_label(local)} (in about {minutes} minute{'s' if minutes != 1 else ''})."
    )


@routes.post("/login", "login_submit")
async def login(request: Request) -> Response:
    form = await request.form()
    email = normalize_email(text_field(form, "email"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    sent_next = form.get("next")
    target = safe_next(sent_next if isinstance(sent_next, str) else None)
    store = store_of(request)
    now = time.time()
    device = known_device(request, email, now)
    result = await run_in_threadpool(
        attempt_sign_in, store, email, password[:MAX_PASSWORD], client_ip(request), now, device
    )
    if result.user is None:
        context = {"email": email, "next": target, "error": NO_MATCH}
        if result.locked_until is None:
            return render(request, "login.html", context, status_code=401)
        context["error"] = _locked_message(settings_of(request).timezone, result.locked_until, now)
        wait = {"Retry-After": str(int(result.locked_until - now))}
        return render(request, "login.html", context, status_code=429, headers=wait)
    response = redirect(request, target)
    await run_in_threadpool(start_session, request, response, result.user)
    remember_device(request, response, email, now)
    return response


@routes.post("/logout/everywhere", "logout_everywhere")
async def logout_everywhere(request: Request) -> Response:
    """End every session of the signed-in user, on every device."""
    user = await run_in_threadpool(load_user, request)
    if user is not None:
        await run_in_threadpool(store_of(request).sessions.delete_for_user, user.email)
    response = redirect(request, request.app.url_path_for("login"))
    response.delete_cookie(
        session_cookie_name(request), path="/", secure=settings_of(request).secure_cookies
    )
    return response


@routes.post("/logout", "logout")
async def logout(request: Request) -> Response:
    session_id = request.cookies.get(session_cookie_name(request))
    if session_id:
        await run_in_threadpool(store_of(request).sessions.delete, _session_key(session_id))
    response = redirect(request, request.app.url_path_for("login"))
    response.delete_cookie(
        session_cookie_name(request), path="/", secure=settings_of(request).secure_cookies
    )
    return response
