"""What the app holds for every request: its settings, its store and its notifier,
created once in the lifespan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from server.domain.clock import today_in
from server.notify.outbox import Notifier
from server.settings import Settings
from server.store import Store


def store_of(request: Request) -> Store:
    """The app's one store."""
    store: Store = request.app.state.store
    return store


def settings_of(request: Request) -> Settings:
    """The app's settings, read once at start-up."""
    settings: Settings = request.app.state.settings
    return settings


def notifier_of(request: Request) -> Notifier:
    """The app's notifier (outbox + mailer)."""
    notifier: Notifier = request.app.state.notifier
    return notifier


def sends_after_response(request: Request) -> bool:
    """Whether a payment or waiver tries its email right after the response (uvicorn),
    or leaves it to the DynamoDB stream and the sweep (Lambda: see create_app)."""
    return bool(request.app.state.send_after_response)


P = ParamSpec("P")
T = TypeVar("T")


async def blocking(request: Request, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A handler's blocking call (DynamoDB): in the thread pool under uvicorn, so the
    event loop serves other requests meanwhile; in the loop's own thread on Lambda
    (`app.state.inline_calls`), where an environment serves one request at a time and
    the hop to a thread and back would only add its cost (issue 29)."""
    if getattr(request.app.state, "inline_calls", False):
        return func(*args, **kwargs)
    return await run_in_threadpool(func, *args, **kwargs)


def today_of(request: Request) -> date:
    """Today in the operator's time zone."""
    return today_in(settings_of(request).timezone)


def trip_clock(request: Request) -> dict[str, Any]:
    """EventView's `now` and `grace_minutes`: a trip past its return and the grace
    shows overdue at once, before the sweep marks it."""
    return {
        "now": datetime.now(UTC),
        "grace_minutes": settings_of(request).overdue_grace_minutes,
    }
