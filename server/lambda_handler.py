"""AWS Lambda entry point: `server.lambda_handler.handler`, for Function URL events
(payload format 2.0) forwarded by CloudFront.

Mangum translates the event into an ASGI request and the response back: base64 form
bodies are decoded, every `Set-Cookie` goes out in the response's `cookies` list,
redirects keep their `Location`. The client IP comes from `CloudFront-Viewer-Address`
(see `server.web.client_ip`), which CloudFront forwards with the origin secret.

The app's lifespan (settings from the Lambda environment, the DynamoDB client, the
notifier) runs once per execution environment, on its first request, and stays up for
the ones after: Mangum's own lifespan support would run it again for every request.
Tables are never created here: the CloudFormation template owns them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mangum import Mangum
from mangum.protocols import LifespanCycle
from starlette.applications import Starlette

from server.notify.outbox import Notifier


class LambdaApp:
    """The started app behind Mangum. Creating it runs the app's lifespan startup."""

    def __init__(self, app: Starlette) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)  # the loop Mangum runs every request on
        self.app = app
        self.lifespan = LifespanCycle(app, "on")
        self.lifespan.__enter__()  # left open: the app lives as long as the environment
        self.adapter = Mangum(app, lifespan="off")

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("scc_task") == "outbox-send":
            # The EventBridge schedule in infra/template.yaml: `scc outbox send`.
            notifier: Notifier = self.app.state.notifier
            return {"outbox": dict(notifier.send_due())}
        return self.adapter(event, context)

    def close(self) -> None:
        """Run the lifespan shutdown and close the loop (tests; Lambda never does)."""
        self.lifespan.__exit__(None, None, None)
        self.loop.close()
        asyncio.set_event_loop(None)


_started: LambdaApp | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _started
    if _started is None:
        from server.app import create_app

        _started = LambdaApp(create_app())  # settings from the Lambda environment
    return _started(event, context)
