"""A local stage for the browser suite: dynalite, fresh tables, `uvicorn server.app:app`
and one captain account, which is all a deployed stage gives QA.

The suite gets from here exactly what it gets from a remote stage (a URL and a captain's
sign-in) and makes everything else through the app, so both run the same code path.
`tests/test_e2e_remote.py` uses it to run the suite "remotely" against a stack of its own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from e2e.helpers import Account
from server import ROOT
from server.dev.local import (
    free_port,
    start_dynalite,
    stop,
    throwaway_app,
    wait_for_port,
    wait_healthy,
)
from server.domain.clock import utc_now_iso
from server.domain.users import hash_password
from server.settings import Settings
from server.store import Store
from tests.nu import CAPTURE_DIR_VAR

START_TIMEOUT = 30.0
CAPTAIN_EMAIL_VAR = "SCC_E2E_CAPTAIN_EMAIL"
CAPTAIN_PASSWORD_VAR = "SCC_E2E_CAPTAIN_PASSWORD"


@dataclass(frozen=True)
class Stage:
    """Where the suite runs and the one account it is given there. `settings` is the
    local stack's, for checks made from outside the suite (never given to a test)."""

    base_url: str
    captain: Account
    settings: Settings | None = None


def app_environment() -> dict[str, str]:
    """The parent's environment without the developer's own SCC_* / GMAIL_* settings (a
    real GMAIL_TOKEN would send mail) nor the suite's captain variables."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}


def app_to_serve(env: Mapping[str, str]) -> str:
    """`server.app:app`, inside the Nu Html Checker's capture (e2e/nu_app.py) when the
    test session names its folder (tests/nu_plugin.py sets NU_CAPTURE_DIR)."""
    return "e2e.nu_app:app" if env.get(CAPTURE_DIR_VAR) else "server.app:app"


def bootstrap_captain(store: Store) -> Account:
    """The one account a stage is given by hand (as `scc users add` would create it)."""
    account = Account(
        email=f"qa-captain-{uuid.uuid4().hex[:8]}@example.com",
        password=secrets.token_urlsafe(16),
        name="Qa Casey Skipper",
    )
    store.users.create(
        account.email, account.name, "captain", hash_password(account.password), utc_now_iso()
    )
    return account


@contextmanager
def local_stage(log_dir: Path, call_log: Path | None = None) -> Iterator[Stage]:
    """Start dynalite + tables + uvicorn, bootstrap a captain, yield the stage; stop all.
    With `call_log` the app appends every AWS call it makes there (SCC_AWS_CALL_LOG)."""
    dynalite_port = free_port()
    dynalite = start_dynalite(dynalite_port, fast=True)
    try:
        port = free_port()
        base_url, app_env, store = throwaway_app(dynalite_port, port, "e2e")
        captain = bootstrap_captain(store)
        env = {**app_environment(), **app_env}
        if call_log is not None:
            env["SCC_AWS_CALL_LOG"] = str(call_log)
        log = log_dir / "uvicorn.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    app_to_serve(env),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, timeout=START_TIMEOUT, proc=server)
            wait_healthy(base_url, server, log, timeout=START_TIMEOUT)
            yield Stage(base_url=base_url, captain=captain, settings=store.settings)
        finally:
            stop(server)
    finally:
        stop(dynalite)
