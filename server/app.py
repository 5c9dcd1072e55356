"""The application factory. `uvicorn server.app:app` serves the module-level app, which
reads its settings from the environment when it starts (not at import)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from server import ROOT
from server.notify.mailer import make_mailer
from server.notify.outbox import Notifier
from server.observe import RequestLog
from server.settings import Settings
from server.store import Store, StoreUnavailable
from server.web import (
    account,
    audit,
    auth,
    boats,
    confirm,
    credentials,
    crew,
    crew_assign,
    csrf,
    dispatch,
    events,
    float_back,
    float_plan,
    manifest,
    pay,
    reports,
    tips,
    trip_log,
    voids,
    waivers,
    webhooks,
)
from server.web.assets import Assets, HashedStaticFiles
from server.web.hosts import RelativeRedirects, TrustedHosts
from server.web.origin import OriginGuard
from server.web.render import (
    EventMoved,
    LoginRequired,
    handle_event_moved,
    handle_http_exception,
    handle_login_required,
    handle_server_error,
    handle_store_error,
)
from server.web.security import SecurityHeaders
from server.web.state import store_of
from server.web.templating import make_environment


async def healthz(request: Request) -> Response:
    """200 `ok` when the tables can be reached, 503 otherwise."""
    store = store_of(request)
    try:
        await run_in_threadpool(store.ping)
    except StoreUnavailable:
        return PlainTextResponse("unavailable: cannot reach the database", status_code=503)
    return PlainTextResponse("ok")


async def service_worker(request: Request) -> Response:
    """The offline service worker, served from the root so its scope is the whole site."""
    return FileResponse(
        ROOT / "static" / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


async def home(request: Request) -> Response:
    return RedirectResponse(request.app.url_path_for("dispatch"), status_code=303)


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    send_after_response: bool = True,
) -> Starlette:
    """Build the app. Without arguments the settings come from the environment and the
    DynamoDB client is created once, when the app starts.

    `send_after_response`: a payment or waiver tries its email in a background task
    after the response (uvicorn). `server.lambda_handler` passes False: under Mangum
    that task would run before the invocation returns, so on Lambda the DynamoDB
    stream (and the scheduled sweep) send instead."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings or (store.settings if store else Settings.from_env())
        app.state.store = store or Store.connect(app.state.settings)
        app.state.notifier = Notifier(app.state.store, make_mailer(app.state.settings))
        app.state.make_mailer = make_mailer  # a new mailer when the settings are read again
        yield

    assets = Assets(ROOT / "static")
    routes = csrf.protect(
        [
            Route("/", home, methods=["GET"], name="home"),
            Route("/healthz", healthz, methods=["GET"], name="healthz"),
            Route("/sw.js", service_worker, methods=["GET"], name="service_worker"),
            *auth.routes,
            *dispatch.routes,
            *voids.routes,
            *manifest.routes,
            *float_plan.routes,
            *float_back.routes,
            *waivers.routes,
            *pay.routes,
            *webhooks.routes,
            *events.routes,
            *crew.routes,
            *crew_assign.routes,
            *credentials.routes,
            *account.routes,
            *boats.routes,
            *trip_log.routes,
            *reports.routes,
            *tips.routes,
            *audit.routes,
            *confirm.routes,
            Mount("/static", HashedStaticFiles(assets), name="static"),
        ]
    )
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # Outermost: times and logs every request, adds Server-Timing, answers errors.
            Middleware(RequestLog, on_error=handle_server_error),
            Middleware(SecurityHeaders),  # even a refusal carries the headers
            Middleware(TrustedHosts),  # the Host header must be one of ours
            Middleware(OriginGuard),  # refuses requests that bypass CloudFront
            Middleware(RelativeRedirects),  # no redirect is built from the Host header
            Middleware(GZipMiddleware, minimum_size=500),  # every byte counts on a boat
        ],
        exception_handlers={
            HTTPException: handle_http_exception,
            LoginRequired: handle_login_required,
            EventMoved: handle_event_moved,
            StoreUnavailable: handle_store_error,
            Exception: handle_server_error,
        },
    )
    app.state.send_after_response = send_after_response
    app.state.templates = make_environment()
    app.state.templates.globals["static"] = assets.url
    return app


app = create_app()
