"""A throw-away local stack for `make bench` and `make lighthouse`: an in-memory dynalite
on a free port, fresh tables, and `uvicorn server.app:app` in a subprocess. Everything
listens on 127.0.0.1 only and is stopped on exit."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/run.py`
    sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402

from server.dev.local import (  # noqa: E402
    free_port,
    start_dynalite,
    stop,
    throwaway_app,
    wait_for_port,
    wait_healthy,
)
from server.domain.clock import today_in, utc_now_iso  # noqa: E402
from server.domain.event_form import validate_new_event  # noqa: E402
from server.domain.users import hash_password  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import Store  # noqa: E402
from server.store.events import LISTING, starts_at  # noqa: E402
from server.store.totals import totals_of  # noqa: E402

PASSWORD = "bench-password-" + secrets.token_urlsafe(12)
START_TIMEOUT = 60.0
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Stack:
    base_url: str
    settings: Settings
    store: Store
    crew_email: str
    env: dict[str, str]

    def today(self) -> date:
        return today_in(self.store.settings.timezone)

    def add_events(self, count: int, days_ahead: int = 0, prefix: str = "p") -> list[str]:
        """Batch-write `count` events (as the app stores them); returns their ids."""
        ids = []
        day = (self.today() + timedelta(days=days_ahead)).isoformat()
        with self.store.events.table.batch_writer() as batch:
            for _ in range(count):
                name = prefix + "".join(secrets.choice(LETTERS) for _ in range(8))
                item = validate_new_event(
                    {
                        "date": day,
                        "first_name": name,
                        "period": "whale",
                        "start_time": "09:30",
                        "party_size": "6",
                        "capacity": "12",
                        "duration_minutes": "180",
                        "total_price": "1200.00",
                        "boat": "Orca",
                        "meeting_point": "Dock B, slip 4",
                    }
                )
                item = {**item, **totals_of(item), "listing": LISTING, "starts_at": starts_at(item)}
                batch.put_item(Item=cast("dict[str, Any]", item))
                ids.append(str(item["event_id"]))
        return ids

    def client(self, **headers: str) -> httpx2.Client:
        return httpx2.Client(
            base_url=self.base_url, headers=headers, timeout=60, follow_redirects=True
        )

    def signed_in(self, **headers: str) -> tuple[httpx2.Client, str]:
        """A client signed in as the crew member through the real form, and its CSRF
        token (the one every form on the site carries)."""
        client = self.client(**headers)
        token = csrf_from(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"email": self.crew_email, "password": PASSWORD, "csrf_token": token},
        )
        if answer.status_code != 200 or not answer.url.path.endswith("/dispatch"):
            raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.url}")
        # Signing in rotates the CSRF token (it is bound to the session): the page's.
        return client, csrf_from(answer.text)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    if not match:
        raise RuntimeError("page has no CSRF field")
    return match.group(1)


def bench_command(port: int, workers: int) -> list[str]:
    """The app with `workers` processes, TCP_NODELAY on (see bench/serve.py)."""
    return [sys.executable, str(ROOT / "bench" / "serve.py"), "127.0.0.1", str(port), str(workers)]


def uvicorn_command(port: int, workers: int) -> list[str]:
    """Plain `uvicorn --workers N`, as `scc serve --workers N` runs it."""
    return [
        *(sys.executable, "-m", "uvicorn", "server.app:app", "--host", "127.0.0.1"),
        *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
        "--no-access-log",
    ]


@contextmanager
def serving(base_url: str, env: dict[str, str], command: list[str]) -> Iterator[None]:
    """Run `command` (a server on base_url's port) until the block ends."""
    port = int(base_url.rsplit(":", 1)[1])
    with tempfile.TemporaryDirectory(prefix="scc-bench-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(port, timeout=START_TIMEOUT, proc=server)
            wait_healthy(base_url, server, log, timeout=START_TIMEOUT)
            yield
        finally:
            stop(server)


@contextmanager
def local_stack(workers: int = 4) -> Iterator[Stack]:
    """dynalite (in memory) + tables + a crew account + uvicorn with `workers` processes."""
    dynalite_port = free_port()
    dynalite = start_dynalite(dynalite_port, fast=True)
    try:
        port = free_port()
        base_url, app_env, store = throwaway_app(dynalite_port, port, "bench")
        crew_email = f"bench-crew-{uuid.uuid4().hex[:6]}@example.com"
        store.users.create(crew_email, "Bench Crew", "crew", hash_password(PASSWORD), utc_now_iso())
        # Never the developer's own settings (a real GMAIL_TOKEN would send mail).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}
        env.update(app_env)
        with serving(base_url, env, bench_command(port, workers)):
            yield Stack(base_url, store.settings, store, crew_email, env)
    finally:
        stop(dynalite)
