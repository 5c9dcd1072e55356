"""Only CloudFront may talk to the app in production.

The Lambda Function URL is public (`AuthType: NONE`: CloudFront's signed origin requests
would break plain HTML form POSTs), so CloudFront adds a secret header, `X-Origin-Verify`,
to every request it forwards. When `SCC_ORIGIN_SECRET` is set, a request without that
header (someone calling the Function URL directly) gets a plain 403 before any handler,
`/healthz` included. Unset (local development, tests), every request passes.
"""

from __future__ import annotations

import hmac

from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from server.web.middleware import HttpMiddleware

HEADER = b"x-origin-verify"
REFUSAL = "Forbidden: this address only answers through the site's own URL.\n"


class OriginGuard(HttpMiddleware):
    """Pure ASGI middleware; reads the setting at request time from the app's store
    (set by the lifespan), so one app object serves any settings."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret = scope["app"].state.settings.origin_secret
        if secret is not None:
            sent = b""
            for name, value in scope["headers"]:
                if name == HEADER:
                    sent = value
                    break
            if not hmac.compare_digest(sent, str(secret).encode()):
                response = PlainTextResponse(
                    REFUSAL, status_code=403, headers={"Cache-Control": "no-store"}
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
