"""The crew member's own account page (their calendar feed link, their credentials as
the captain recorded them) and the private calendar feed itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.calendar_feed import (
    PAST_DAYS,
    build_feed,
    feed_events,
    looks_like_token,
    new_token,
)
from server.domain.users import User
from server.web.audit import audit
from server.web.auth import crew_only
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import settings_of, store_of, today_of
from server.web.tips import tips_of

routes = Routes()


def feed_url(request: Request, token: str) -> str:
    """The absolute feed address (calendar apps need the whole URL)."""
    path = request.app.url_path_for("calendar_feed", token=token)
    return settings_of(request).base_url.rstrip("/") + str(path)


@routes.get("/account", "account")
@crew_only
async def account_page(request: Request) -> Response:
    user: User = request.state.user
    account = await run_in_threadpool(store_of(request).users.get, user.email) or {}
    token = str(account.get("feed_token") or "")
    context = {
        "tips": await run_in_threadpool(tips_of, request, user.email),  # issue 27 item 9
        "today": today_of(request),
        "feed": feed_url(request, token) if token else "",
        "credentials": dict(account.get("credentials") or {}),
        "done": request.query_params.get("done", ""),
    }
    return render(request, "account.html", context)


@routes.post("/account/feed", "account_feed_new")
@crew_only
async def feed_new(request: Request) -> Response:
    """A new feed link; the one before (if any) stops working at once."""
    user: User = request.state.user
    if not await run_in_threadpool(store_of(request).users.set_feed_token, user.email, new_token()):
        raise HTTPException(404)
    await audit(request, "account.feed_created", user.email)
    return redirect(request, f"{request.app.url_path_for('account')}?done=feed#calendar")


@routes.post("/account/feed/revoke", "account_feed_revoke")
@crew_only
async def feed_revoke(request: Request) -> Response:
    user: User = request.state.user
    if not await run_in_threadpool(store_of(request).users.set_feed_token, user.email, None):
        raise HTTPException(404)
    await audit(request, "account.feed_revoked", user.email)
    return redirect(request, f"{request.app.url_path_for('account')}?done=revoked#calendar")


def _feed(request: Request, token: str) -> bytes:
    store = store_of(request)
    account = store.users.by_feed_token(token)
    if account is None:
        raise HTTPException(404)
    since = (today_of(request) - timedelta(days=PAST_DAYS)).isoformat()
    trips = feed_events(store.events.upcoming(since), str(account["email"]))
    base = settings_of(request).base_url.rstrip("/")

    def trip_url(event_id: str) -> str:
        return base + str(request.app.url_path_for("event_detail", event_id=event_id))

    settings = settings_of(request)
    return build_feed(
        trips,
        operator=settings.operator_name,
        timezone=settings.timezone,
        trip_url=trip_url,
        stamp=datetime.now(UTC).replace(microsecond=0),
    )


# No session: calendar apps fetch it by the token alone (a real 404 for any other).
@routes.get("/calendar/{token}.ics", "calendar_feed")
async def calendar_feed(request: Request) -> Response:
    token = str(request.path_params["token"])
    if not looks_like_token(token):
        raise HTTPException(404)
    body = await run_in_threadpool(_feed, request, token)
    headers: dict[str, Any] = {"Cache-Control": "private, no-store"}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
