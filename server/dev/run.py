"""`scc local` (what `make run` runs): dynalite, tables, demo data, then the app, saying
"Serving" only once it listens. Development only: not shipped in the Lambda zip."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from pathlib import Path

import segno
import uvicorn

from server import ROOT
from server.app import create_app
from server.dev.local import (
    ALL_INTERFACES,
    LocalStackError,
    bind_port,
    local_settings,
    serving_urls,
    start_dynalite,
    stop,
)
from server.dev.seed import seed_demo
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables


def run_local(settings: Settings, host: str, *, proxy_headers: bool) -> int:
    """dynalite in var/dynamodb, tables, demo data, then the app on `host`; 1 when it
    cannot start as asked (the message says why) or dynalite stopped under it."""
    endpoint = f"http://127.0.0.1:{settings.dynalite_port}"
    settings = dataclasses.replace(local_settings(settings, host), dynamodb_endpoint=endpoint)
    try:
        # The app's port first: a busy PORT stops here, before dynalite starts.
        sock = bind_port(host, settings.port)
    except LocalStackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    data = settings.local_data / "dynamodb"
    print(f"starting dynalite on {endpoint} (data in {_shown(data, ROOT)})")
    try:
        dynalite = start_dynalite(settings.dynalite_port, data)
    except LocalStackError as exc:
        sock.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        init_tables(settings, poll_seconds=0.2)
        store = Store.connect(settings)
        logins = seed_demo(store, settings.local_data / "demo-logins.txt")
        print("\nDemo logins:\n  " + "\n  ".join(logins))
        config = uvicorn.Config(
            create_app(settings, store),
            host=host,
            port=settings.port,
            proxy_headers=proxy_headers,
        )
        server = uvicorn.Server(config)
        urls = serving_urls(host, settings.port)
        dynalite_lost = threading.Event()

        def announce_and_watch() -> None:
            """Say "Serving" once uvicorn listens; stop it if dynalite dies under it."""
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                print(f"\nServing on {urls[0]}", flush=True)
                print(f"Patron links, QR codes and emails use {settings.base_url}", flush=True)
                if host in ALL_INTERFACES:
                    _print_phone_urls(urls[1:])
            while not server.should_exit:
                if dynalite.poll() is not None:
                    print(
                        f"\nerror: dynalite on {endpoint} stopped (exit code "
                        f"{dynalite.returncode}); stopping the app",
                        file=sys.stderr,
                        flush=True,
                    )
                    dynalite_lost.set()
                    server.should_exit = True
                time.sleep(0.5)

        threading.Thread(target=announce_and_watch, daemon=True).start()
        server.run(sockets=[sock])
    finally:
        sock.close()
        stop(dynalite)
    return 1 if dynalite_lost.is_set() else 0


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _print_phone_urls(urls: list[str]) -> None:
    """The LAN address(es) to open on a phone on the same network, with a QR code of the
    first (segno, which also draws the patron link's QR code)."""
    if not urls:
        print("No network address found for a phone to use (is this machine on a LAN?)")
        return
    print("On a phone on the same network, open:\n  " + "\n  ".join(urls))
    segno.make(urls[0], error="l").terminal(compact=True)
    sys.stdout.flush()
