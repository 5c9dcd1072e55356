"""The Host header never decides where a redirect goes.

`TrustedHosts` answers only the hosts the settings allow (Starlette's
TrustedHostMiddleware, built at the first request, once the lifespan has read the
settings); anything else gets a plain 400. `RelativeRedirects` turns a redirect to this
same host into a path, so Starlette's own trailing-slash redirect (`/dispatch/` to
`/dispatch`) stays on the site the browser is on: behind CloudFront the Host the app
sees is the Lambda Function URL's, which only CloudFront may call.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.web.middleware import HttpMiddleware


class TrustedHosts(HttpMiddleware):
    """Pure ASGI middleware: refuse requests for a Host the settings do not allow."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.guard: TrustedHostMiddleware | None = None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.guard is None:
            hosts = scope["app"].state.settings.trusted_hosts
            self.guard = TrustedHostMiddleware(self.app, allowed_hosts=hosts, www_redirect=False)
        await self.guard(scope, receive, send)


class RelativeRedirects(HttpMiddleware):
    """Pure ASGI middleware: `Location: http://<this host>/path` becomes `/path`."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = Headers(scope=scope).get("host", "")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                location = urlsplit(headers.get("location", ""))
                if location.netloc and location.netloc == host:
                    # One leading slash: `//x` would be read as another host.
                    path = "/" + location.path.lstrip("/")
                    headers["location"] = urlunsplit(("", "", path, *location[3:]))
            await send(message)

        await self.app(scope, receive, send_relative)
