"""Only CloudFront may talk to the app in production.

The Lambda Function URL is public (`AuthType: NONE`: CloudFront's signed origin requests
would break plain HTML form POSTs), so CloudFront adds a secret header, `X-Origin-Verify`,
to every request it forwards. When `SCC_ORIGIN_SECRET` is set, a request without that
header (someone calling the Function URL directly) gets a plain 403 before any handler,
`/healthz` included. Unset (local development, tests), every request passes.

Rotation is no outage: the previous secret (`SCC_ORIGIN_SECRET_PREVIOUS`, or the
secret's AWSPREVIOUS version) is accepted too, and on Lambda a header matching neither
first re-reads the secret (at most once a minute, `server.lambda_handler`), so a warm
environment learns a rotation made after it started.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from server.settings import Settings
from server.web.middleware import HttpMiddleware

HEADER = b"x-origin-verify"
REFUSAL = "Forbidden: this address only answers through the site's own URL.\n"


class OriginGuard(HttpMiddleware):
    """Pure ASGI middleware; reads the setting at request time from the app's store
    (set by the lifespan), so one app object serves any settings. The app's state may
    hold `refresh_origin_secrets`, a callable that re-reads them and returns the
    settings it leaves in place."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state
        settings: Settings = state.settings
        if settings.origin_secret is not None:
            sent = ""
            for name, value in scope["headers"]:
                if name == HEADER:
                    sent = value.decode("latin-1")
                    break
            if not settings.from_cloudfront(sent):
                refresh: Callable[[], Settings] | None = getattr(
                    state, "refresh_origin_secrets", None
                )
                if refresh is None or not (await run_in_threadpool(refresh)).from_cloudfront(sent):
                    response = PlainTextResponse(
                        REFUSAL, status_code=403, headers={"Cache-Control": "no-store"}
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
