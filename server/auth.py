"""Sign-in, server-side sessions, role guards and CSRF protection."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.forms import text_field
from server.store import Store
from server.web import LoginRequired, client_ip, redirect, render

CSRF_COOKIE = "scc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Refresh `last_seen_at` at most this often, so reading a page is not a write.
TOUCH_EVERY_SECONDS = 3600
DAY = 86400

hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both failures take about as long.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: str

    @property
    def is_captain(self) -> bool:
        return self.role == "captain"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def check_password(user: dict[str, Any] | None, password: str) -> bool:
    """Verify a password; unknown users cost the same Argon2 work as known ones."""
    try:
        hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- sessions ------------------------------------------------------------------------


def session_cookie_name(request: Request) -> str:
    # Over https the __Host- prefix pins the cookie to this host and path /.
    return "__Host-scc_session" if _store(request).settings.secure_cookies else "scc_session"


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def start_session(request: Request, response: Response, user: dict[str, Any]) -> None:
    """A fresh random id (256 bits) at every sign-in: no session fixation."""
    store = _store(request)
    settings = store.settings
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


def load_user(request: Request) -> User | None:
    """The signed-in user, from one GetItem on the sessions table; expired sessions are
    deleted on sight."""
    session_id = request.cookies.get(session_cookie_name(request))
    if not session_id:
        return None
    store = _store(request)
    key = _session_key(session_id)
    item = store.sessions.get(key)
    if item is None:
        return None
    now = int(time.time())
    idle_limit = int(item["last_seen_at"]) + store.settings.session_idle_days * DAY
    absolute_limit = int(item["created_at"]) + store.settings.session_max_days * DAY
    if now >= idle_limit or now >= absolute_limit:
        store.sessions.delete(key)
        return None
    if now - int(item["last_seen_at"]) > TOUCH_EVERY_SECONDS:
        store.sessions.touch(key, now)
    return User(email=item["email"], name=item["name"], role=item["role"])


def requires(*roles: str) -> Callable[[Endpoint], Endpoint]:
    """Guard an endpoint: anonymous visitors go to /login (htmx: HX-Redirect), other
    roles get 403. The user is on `request.state.user` for the handler and templates."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await run_in_threadpool(load_user, request)
            if user is None:
                raise LoginRequired()
            request.state.user = user
            if user.role not in roles:
                raise HTTPException(403)
            return await endpoint(request)

        return guarded

    return decorate


crew_only = requires("crew", "captain")
captain_only = requires("captain")


# --- CSRF: a random cookie and an HMAC of it in every form or X-CSRF-Token header -----


def _csrf_cookie_value(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf = value
    return value


def csrf_token(request: Request) -> str:
    secret = str(_store(request).settings.secret_key).encode()
    return hmac.new(secret, _csrf_cookie_value(request).encode(), hashlib.sha256).hexdigest()


def set_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            path="/",
            httponly=True,
            secure=_store(request).settings.secure_cookies,
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


# --- routes --------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    """Only same-site paths, so the login page cannot redirect elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/dispatch"


async def login_form(request: Request) -> Response:
    if await run_in_threadpool(load_user, request):
        return redirect(request, _safe_next(request.query_params.get("next", "/dispatch")))
    return render(
        request,
        "login.html",
        {
            "email": "",
            "next": _safe_next(request.query_params.get("next", "/dispatch")),
            "error": None,
        },
    )


# Failed sign-ins allowed per window before that account, or that client IP, must
# wait for the window to end. The IP limit is higher: a crew shares the dock's wifi.
ACCOUNT_LIMIT = 5
IP_LIMIT = 20
WINDOW_SECONDS = 15 * 60
NO_MATCH = "That email and password do not match an active account."


@dataclass(frozen=True)
class SignInResult:
    user: dict[str, Any] | None
    locked_until: float | None = None


def attempt_sign_in(store: Store, email: str, password: str, ip: str, now: float) -> SignInResult:
    """Check a sign-in against the per-account and per-IP failure limits. Unknown
    emails and wrong passwords cost the same (Argon2 either way) and count the same."""
    window = int(now // WINDOW_SECONDS)
    window_end = float((window + 1) * WINDOW_SECONDS)
    account_key, ip_key = f"account:{email}:{window}", f"ip:{ip}:{window}"
    counts = store.limits.failures([account_key, ip_key])
    if counts[account_key] >= ACCOUNT_LIMIT or counts[ip_key] >= IP_LIMIT:
        return SignInResult(None, window_end)
    user = store.users.get(email) if email else None
    if check_password(user, password) and user is not None and not user.get("disabled"):
        store.limits.clear(account_key)
        return SignInResult(user)
    expires = int(window_end) + WINDOW_SECONDS
    account_failures = store.limits.add_failure(account_key, expires)
    ip_failures = store.limits.add_failure(ip_key, expires)
    locked = account_failures >= ACCOUNT_LIMIT or ip_failures >= IP_LIMIT
    return SignInResult(None, window_end if locked else None)


def _locked_message(store: Store, until: float, now: float) -> str:
    local = datetime.fromtimestamp(until, store.settings.timezone)
    minutes = max(1, round((until - now) / 60))
    return (
        "Too many failed sign-ins. For your security, try again after "
        f"{local:%H:%M} (in about {minutes} minute{'s' if minutes != 1 else ''})."
    )


async def login(request: Request) -> Response:
    form = await checked_form(request)
    email = normalize_email(text_field(form, "email"))
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    target = _safe_next(text_field(form, "next") or "/dispatch")
    store = _store(request)
    now = time.time()
    result = await run_in_threadpool(
        attempt_sign_in, store, email[:254], password[:1024], client_ip(request), now
    )
    if result.user is None:
        context = {"email": email, "next": target, "error": NO_MATCH}
        if result.locked_until is None:
            return render(request, "login.html", context, status_code=401)
        context["error"] = _locked_message(store, result.locked_until, now)
        wait = {"Retry-After": str(int(result.locked_until - now))}
        return render(request, "login.html", context, status_code=429, headers=wait)
    response = redirect(request, target)
    await run_in_threadpool(start_session, request, response, result.user)
    return response


async def logout_everywhere(request: Request) -> Response:
    """End every session of the signed-in user, on every device."""
    await checked_form(request)
    user = await run_in_threadpool(load_user, request)
    if user is not None:
        await run_in_threadpool(_store(request).sessions.delete_for_user, user.email)
    response = redirect(request, request.app.url_path_for("login"))
    response.delete_cookie(session_cookie_name(request), path="/")
    return response


async def logout(request: Request) -> Response:
    await checked_form(request)
    session_id = request.cookies.get(session_cookie_name(request))
    if session_id:
        await run_in_threadpool(_store(request).sessions.delete, _session_key(session_id))
    response = redirect(request, request.app.url_path_for("login"))
    response.delete_cookie(session_cookie_name(request), path="/")
    return response


routes = [
    Route("/login", login_form, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/logout/everywhere", logout_everywhere, methods=["POST"], name="logout_everywhere"),
]
