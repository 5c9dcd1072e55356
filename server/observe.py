"""What the operator sees: one JSON log line per request, a `Server-Timing` header on
every response, DynamoDB calls counted and timed, and metrics in CloudWatch's
embedded metric format (EMF).

The request log line holds the request id, the route's NAME (never the raw path: ids
are patrons' names), method, status, duration and the DynamoDB calls and their time;
never a name, email, amount or note. On Lambda the runtime's JSON log format puts the
`extra` fields at the top level of the line, where the template's metric filters read
`status`. An error's traceback is logged once (by the 500 handler), with the request id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_log = logging.getLogger("scc.request")
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
NAMESPACE = "ShipCaptainCrew"


@dataclass
class Timings:
    """One request's (or one task's) measurements. Handlers run boto3 in a thread
    pool, which copies the context: the threads add to this same object."""

    request_id: str
    started: float = field(default_factory=time.perf_counter)
    db_calls: int = 0
    db_seconds: float = 0.0
    render_seconds: float = 0.0

    def total_seconds(self) -> float:
        return time.perf_counter() - self.started

    def server_timing(self) -> str:
        return (
            f"db;dur={self.db_seconds * 1000:.1f}, render;dur={self.render_seconds * 1000:.1f}, "
            f"total;dur={self.total_seconds() * 1000:.1f}"
        )


_current: contextvars.ContextVar[Timings | None] = contextvars.ContextVar(
    "scc_timings", default=None
)


def current() -> Timings | None:
    return _current.get()


def request_id() -> str:
    timings = _current.get()
    return timings.request_id if timings else ""


# --- DynamoDB calls, through botocore's event hooks on the one client ------------------


def _before_call(context: dict[str, Any], **_: Any) -> None:
    context["scc_started"] = time.perf_counter()


def _after_call(context: dict[str, Any], **_: Any) -> None:
    timings = _current.get()
    started = context.pop("scc_started", None)
    if timings is not None and started is not None:
        timings.db_calls += 1
        timings.db_seconds += time.perf_counter() - started


def instrument(client: Any) -> None:
    """Count and time every DynamoDB call this client makes (retries are inside one
    call); a failed call counts too."""
    events = client.meta.events
    events.register("before-call.dynamodb", _before_call, unique_id="scc-before-call")
    events.register("after-call.dynamodb", _after_call, unique_id="scc-after-call")
    events.register("after-call-error.dynamodb", _after_call, unique_id="scc-after-call-error")


@contextmanager
def rendering() -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings = _current.get()
        if timings is not None:
            timings.render_seconds += time.perf_counter() - started


# --- the middleware -----------------------------------------------------------------


def _request_id(scope: Scope) -> str:
    """Lambda's request id when Mangum carries the context, else the Function URL
    event's, else a fresh one (uvicorn)."""
    context = scope.get("aws.context")
    found = getattr(context, "aws_request_id", None)
    if not found:
        event = scope.get("aws.event") or {}
        found = event.get("requestContext", {}).get("requestId")
    return str(found or uuid.uuid4().hex)


def route_name(scope: Scope) -> str:
    """The matched route's name (set on the scope by the router), `static` for the
    static files, `unmatched` when no route matched (a 404)."""
    endpoint = scope.get("endpoint")
    app = scope.get("app")
    if endpoint is None or app is None:
        return "unmatched"
    names: dict[Any, str] | None = getattr(app.state, "route_names", None)
    if names is None:
        names = {}
        for route in app.routes:
            target = getattr(route, "endpoint", None) or getattr(route, "app", None)
            names[target] = str(getattr(route, "name", "") or "")
        app.state.route_names = names
    return names.get(endpoint, "unnamed")


class RequestLog:
    """Pure ASGI middleware (outermost): times the request, adds `Server-Timing` to the
    response's headers and writes the one log line when the response is complete."""

    def __init__(self, app: ASGIApp, on_error: ErrorHandler | None = None) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timings = Timings(_request_id(scope))
        token = _current.set(timings)
        status = 500
        line: dict[str, Any] = {}

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append("Server-Timing", timings.server_timing())
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                # What the visitor waited for; a background task after it is not counted.
                line.update(_measures(timings))

        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await timed_send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            # Answered (and its traceback logged once, with the request id) here, inside
            # the timing: re-raised, Starlette, Mangum or uvicorn would log it again.
            status = 500
            if started or self.on_error is None:
                request_log.error(
                    "error after the response started",
                    exc_info=True,
                    extra={"request_id": timings.request_id, "route": route_name(scope)},
                )
            else:
                response = await self.on_error(Request(scope), exc)
                await response(scope, receive, timed_send)
        finally:
            request_log.info(
                "request",
                extra={
                    "request_id": timings.request_id,
                    "route": route_name(scope),
                    "method": scope.get("method", ""),
                    "status": status,
                    **(line or _measures(timings)),
                },
            )
            _current.reset(token)


def _measures(timings: Timings) -> dict[str, Any]:
    return {
        "duration_ms": round(timings.total_seconds() * 1000, 1),
        "db_calls": timings.db_calls,
        "db_ms": round(timings.db_seconds * 1000, 1),
        "render_ms": round(timings.render_seconds * 1000, 1),
    }


# --- metrics (EMF) ----------------------------------------------------------------------


def emit_metric(
    name: str, value: float, dimensions: Mapping[str, str], unit: str = "Count"
) -> None:
    """One CloudWatch metric in embedded metric format, printed as its own line: on
    Lambda, CloudWatch Logs turns it into a metric (the template's alarms read it)."""
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [sorted(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **dimensions,
        name: value,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


# --- logging set-up ---------------------------------------------------------------------

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, its `extra` fields at the top level (as Lambda's JSON
    log format does), for `scc serve` and tests."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if request_id() and "request_id" not in line:
            line["request_id"] = request_id()
        if record.exc_info:
            line["stackTrace"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(*, json_lines: bool = False) -> None:
    """INFO for the app's loggers. On Lambda the runtime's handler (JSON format, from
    the template) writes them; elsewhere `json_lines` adds a JSON stderr handler."""
    for name in ("scc", "server"):
        logging.getLogger(name).setLevel(logging.INFO)
    if json_lines:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        for name in ("scc", "server"):
            logging.getLogger(name).addHandler(handler)
            logging.getLogger(name).propagate = False
