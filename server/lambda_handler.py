"""AWS Lambda entry point: `server.lambda_handler.handler`. Three kinds of event:

- Function URL requests (payload format 2.0) forwarded by CloudFront, through Mangum:
  base64 form bodies are decoded, every `Set-Cookie` goes out in the response's
  `cookies` list, redirects keep their `Location`. The client IP comes from
  `CloudFront-Viewer-Address` (see `server.web.client_address.client_ip`).
- DynamoDB stream records from the events and waivers tables (`Records` with
  `eventSource` "aws:dynamodb"): the notification emails those writes made owed are
  collected and sent by the app's notifier (`server.notify.stream`).
- The 5-minute schedule `{"scc_task": "outbox-send"}`: the sweep, `scc outbox send`.

On Lambda the app is started while the module is imported (the init phase): settings
from the environment, the DynamoDB client, the notifier, every template compiled. With
SnapStart that work is in the snapshot, and `after_restore` renews what must differ
between execution environments and reads the settings again (the secrets held in
Secrets Manager may have changed since the snapshot). The app runs with
`send_after_response=False`: under Mangum a background task would run before the
invocation returns, so a payment or a waiver answers at once and the stream sends its
email.

Tables are never created here: the CloudFormation template owns them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from mangum import Mangum
from mangum.protocols import LifespanCycle
from starlette.applications import Starlette
from starlette.datastructures import Secret

from server import observe
from server.domain.users import dummy_hash
from server.notify.outbox import Notifier
from server.notify.stream import is_stream_event, owed_by
from server.secrets import SecretReader, resolve_secrets
from server.settings import (
    Settings,
    on_lambda,
    snapshotting,
)
from server.store import Store

log = logging.getLogger(__name__)
# The metric every finished sweep emits (infra/template.yaml's SweepMissingAlarm).
HEARTBEAT = "SweepHeartbeat"

# A header matching neither origin secret re-reads them at most this often (a rotation
# made after this environment started), so forged headers cannot run up reads.
ORIGIN_REFRESH_SECONDS = 60.0


class LambdaApp:
    """The started app behind Mangum. Creating it runs the app's lifespan startup."""

    def __init__(
        self,
        app: Starlette,
        reload: Callable[[], Settings] | None = None,
        secrets: SecretReader | None = None,
    ) -> None:
        """`reload` reads the settings again after a SnapStart restore (the
        environment's, when the app started from it); `secrets` reads Secrets Manager."""
        self.reload = reload
        self.secrets = secrets
        self.origin_read_at = float("-inf")
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)  # the loop Mangum runs every request on
        self.app = app
        self.lifespan = LifespanCycle(app, "on")
        self.lifespan.__enter__()  # left open: the app lives as long as the environment
        self.adapter = Mangum(app, lifespan="off")
        app.state.refresh_origin_secrets = self.refresh_origin_secrets
        # One request at a time per environment: a handler's DynamoDB call runs in the
        # loop's thread, without the hop to the thread pool (server.web.state.blocking).
        app.state.inline_calls = True

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("scc_task") == "outbox-send":
            # The EventBridge schedule in infra/template.yaml: `scc outbox send`.
            return self.sweep(context)
        if is_stream_event(event):
            return self.stream(event["Records"], context)
        return self.adapter(event, context)

    @property
    def notifier(self) -> Notifier:
        notifier: Notifier = self.app.state.notifier
        return notifier

    def sweep(self, context: Any) -> dict[str, Any]:
        """Send what is owed and mark overdue trips; then the heartbeat: the template
        alarms when no sweep has finished for 15 minutes (it is the only sender of the
        OVERDUE alerts)."""
        outcomes = self.notifier.send_due(_time_left(context))
        settings: Settings = self.app.state.settings
        observe.emit_metric(HEARTBEAT, 1, {"TablePrefix": settings.table_prefix})
        return {"outbox": dict(outcomes)}

    def stream(self, records: list[dict[str, Any]], context: Any) -> dict[str, Any]:
        """Collect what each record made owed, then send it. A record whose collecting
        fails (DynamoDB unreachable) is reported back, so Lambda retries from it and,
        after the mapping's retries, sends it to the on-failure queue; the owed mark
        stays, so the sweep still finds it. A send that fails is the outbox's business
        (backoff, then the sweep), never a stream retry."""
        notifier = self.notifier
        settings: Settings = self.app.state.settings
        notices: list[str] = []
        failures = []
        for record in records:
            try:
                owed = owed_by(record, settings)
                if owed is not None:
                    notices += notifier.collect_owed(owed)
            except Exception:
                sequence = record.get("dynamodb", {}).get("SequenceNumber", "")
                log.exception("stream record %s not collected; retried", sequence)
                failures.append({"itemIdentifier": sequence})
        outcomes = notifier.send_each(notices, _time_left(context))
        log.info(
            "stream batch",
            extra={"records": len(records), "outbox": dict(outcomes), "failed": len(failures)},
        )
        return {"batchItemFailures": failures}

    def warm(self) -> None:
        """Work first requests would otherwise do, done before a SnapStart snapshot so
        no restored environment repeats it: every template compiled, the dummy password
        hash made. (Without a snapshot it would only lengthen the cold start.)"""
        templates = self.app.state.templates
        for name in templates.list_templates():
            templates.get_template(name)
        dummy_hash()

    def after_restore(self) -> None:
        """What must not be shared by environments restored from one snapshot: the
        notifier's lease owner, the DynamoDB client's credentials, and `random`'s state
        (botocore's retry jitter); and the settings, read again, since a secret may
        have been rotated after the snapshot was taken."""
        random.seed()
        self.notifier.renew_owner()
        store: Store = self.app.state.store
        store.refresh_credentials()
        if self.reload is not None:
            try:
                self.use_settings(self.reload())
            except Exception:  # Secrets Manager unreachable: serve with the snapshot's
                log.exception("settings not read again after the restore; the snapshot's stay")
                return
            self.origin_read_at = time.monotonic()

    def use_settings(self, fresh: Settings) -> None:
        """Serve with `fresh` settings; a new Gmail token gets a new mailer."""
        old: Settings = self.app.state.settings
        self.app.state.settings = fresh
        if str(fresh.gmail_token or "") != str(old.gmail_token or ""):
            self.notifier.mailer = self.app.state.make_mailer(fresh)

    def refresh_origin_secrets(self) -> Settings:
        """Re-read the origin secrets from SCC_ORIGIN_SECRET_ARN (OriginGuard calls this
        for a header that matches neither), at most once per ORIGIN_REFRESH_SECONDS."""
        settings: Settings = self.app.state.settings
        now = time.monotonic()
        if not settings.origin_secret_arn or now - self.origin_read_at < ORIGIN_REFRESH_SECONDS:
            return settings
        self.origin_read_at = now
        try:
            arn, region = settings.origin_secret_arn, settings.aws_region
            found = resolve_secrets(
                {"SCC_ORIGIN_SECRET_ARN": arn, "AWS_REGION": region}, self.secrets
            )
        except Exception:
            log.exception("could not re-read the origin secret; keeping the one read before")
            return settings
        previous = found.get("SCC_ORIGIN_SECRET_PREVIOUS")
        fresh = dataclasses.replace(
            settings,
            origin_secret=Secret(found["SCC_ORIGIN_SECRET"]),
            origin_secret_previous=Secret(previous) if previous else None,
        )
        self.app.state.settings = fresh
        return fresh

    def close(self) -> None:
        """Run the lifespan shutdown and close the loop (tests; Lambda never does)."""
        self.lifespan.__exit__(None, None, None)
        self.loop.close()
        asyncio.set_event_loop(None)


def _time_left(context: Any) -> Callable[[], float] | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: float(remaining()) / 1000


def start(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    warm: bool = True,
    secrets: SecretReader | None = None,
) -> LambdaApp:
    """The app as the function runs it (settings from the environment by default, and
    then read again from it after a SnapStart restore)."""
    from server.app import create_app

    def from_environment() -> Settings:
        return Settings.from_env(secrets=secrets)

    reload = None if settings is not None or store is not None else from_environment
    app = create_app(settings or (reload() if reload else None), store, send_after_response=False)
    started = LambdaApp(app, reload, secrets)
    if warm:
        started.warm()
    return started


_started: LambdaApp | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _started
    if _started is None:
        _started = start()
    return _started(event, context)


def after_restore() -> None:
    """SnapStart's after-restore hook (registered below when the runtime has it)."""
    if _started is not None:
        _started.after_restore()


def _register_after_restore(hook: Callable[[], None]) -> None:
    try:  # only Lambda's Python runtime (3.12+) ships this module
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return
    register_after_restore(hook)


if on_lambda():
    # The init phase: start everything now, so SnapStart snapshots it started.
    observe.configure_logging()
    _started = start(warm=snapshotting())
    _register_after_restore(after_restore)
