"""The measuring tools and the operations `bench/run.py` and `bench/goals.py` time: app
and raw sides of a payment and a dashboard read, run concurrently or in sequence."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from stack import Stack

from server.domain.board import BOARD_CARDS, board_page, day_of
from server.domain.clock import utc_now_iso
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.store import Store
from server.web.auth import _session_key

HX = {"HX-Request": "true"}
GZIP = {"Accept-Encoding": "gzip"}


# --- measuring ---------------------------------------------------------------------


@dataclass
class Run:
    """Latencies (seconds) of every operation and the wall time they took together."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, other: Run) -> None:
        self.latencies += other.latencies
        self.elapsed += other.elapsed

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


Op = Callable[[int], None]


def concurrently(workers: list[Op], per_worker: int) -> Run:
    """Run each worker's operation `per_worker` times, all workers at once, timing each
    call and the whole (from a common start to the last finish)."""
    barrier = threading.Barrier(len(workers) + 1)
    results: list[list[float]] = [[] for _ in workers]
    errors: list[BaseException] = []

    def work(index: int, op: Op) -> None:
        barrier.wait()
        try:
            for i in range(per_worker):
                started = time.perf_counter()
                op(i)
                results[index].append(time.perf_counter() - started)
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(i, op), daemon=True) for i, op in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Run([x for r in results for x in r], elapsed)


def side_by_side(app: list[Op], raw: list[Op], total: int, rounds: int = 4) -> tuple[Run, Run]:
    """`total` operations on each side, in `rounds` alternating batches (app, raw, app...)."""
    app_run, raw_run = Run(), Run()
    per_client = max(1, total // len(app))
    for r in range(rounds):
        count = per_client // rounds + (1 if r < per_client % rounds else 0)
        if count:
            app_run.add(concurrently(app, count))
            raw_run.add(concurrently(raw, count))
    return app_run, raw_run


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- the operations ----------------------------------------------------------------


def payment_entry(email: str) -> dict[str, Any]:
    """What server.dispatch._record appends for a Log Payment."""
    return {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal("5.00"),
        "method": "cash",
        "note": "",
        "logged_by": email,
        "logged_by_name": "Bench Crew",
        "logged_at": utc_now_iso(),
    }


def app_payment(stack: Stack, event_id: str) -> Op:
    client, token = stack.signed_in(**GZIP)

    def op(_: int) -> None:
        data = {
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
            "note": "",
            "csrf_token": token,
        }
        with client.stream(
            "POST", f"/api/events/{event_id}/payment", data=data, headers=HX
        ) as response:
            response.read()
            if response.status_code != 200:
                raise RuntimeError(f"Log Payment answered {response.status_code}")

    return op


def raw_payment(stack: Stack, event_id: str) -> Op:
    store = Store.connect(stack.settings)  # a boto3 resource per thread

    def op(_: int) -> None:
        store.events.append_payment(
            event_id, payment_entry(stack.crew_email), MAX_ENTRIES, MAX_LEDGER_BYTES
        )

    return op


def app_dashboard(stack: Stack) -> Op:
    client, _ = stack.signed_in(**GZIP)

    def op(_: int) -> None:
        with client.stream("GET", "/dispatch") as response:
            response.read()
            if response.status_code != 200:
                raise RuntimeError(f"/dispatch answered {response.status_code}")

    return op


def raw_dashboard_reads(stack: Stack) -> Op:
    """The reads /dispatch makes: the session (GetItem), the board's trips (one Query of
    at most BOARD_CARDS + 1 items past today's) and their waiver counts (Query)."""
    client, _ = stack.signed_in()
    session_id = next(v for k, v in client.cookies.items() if k.endswith("scc_session"))
    key = _session_key(session_id)
    store = Store.connect(stack.settings)
    client.close()

    def op(_: int) -> None:
        today = stack.today()
        since = (today - timedelta(days=1)).isoformat()
        store.sessions.get(key)
        read, more = store.events.board(
            since, (today + timedelta(days=1)).isoformat(), BOARD_CARDS + 1
        )
        items, _ = board_page(read, today, more)
        store.waivers.guests_from(since, day_of(items[-1]) if items else since)

    return op


def timed_sequence(op: Op, count: int) -> list[float]:
    out = []
    for i in range(count):
        started = time.perf_counter()
        op(i)
        out.append(time.perf_counter() - started)
    return out


def concurrent_payments(stack: Stack, clients: int, payments: int) -> tuple[Run, Run]:
    """`clients` clients each logging payments on their own trip, through the app and
    with the raw append, side by side; `payments` per side."""
    # Trips a month ago: they take payments but stay off the dashboard measured later.
    app_events = stack.add_events(clients, days_ahead=-30, prefix="w")
    raw_events = stack.add_events(clients, days_ahead=-30, prefix="r")
    app_ops = [app_payment(stack, e) for e in app_events]
    raw_ops = [raw_payment(stack, e) for e in raw_events]
    # Warm up every worker process and connection (not counted).
    concurrently(app_ops, 3)
    concurrently(raw_ops, 3)
    return side_by_side(app_ops, raw_ops, payments)
