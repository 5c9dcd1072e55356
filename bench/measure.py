"""The measuring tools and the operations `bench/run.py` and `bench/goals.py` time: app
and raw sides of a payment and a dashboard read, run concurrently or in sequence."""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config
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


class Floor:
    """The physical floor of a Log Payment (issue 29): the app's own append request
    (same expression, same condition, same values) sent with ONE low-level boto3 client
    shared by every thread, with its connection pool, as a real service would hold it.
    The request is the one the app's store makes, caught once from a real append; each
    call gives it a fresh payment id and serialises the values (as any client must)."""

    def __init__(self, stack: Stack) -> None:
        store = Store.connect(stack.settings)
        caught: list[dict[str, Any]] = []

        def catch(params: dict[str, Any], **_: Any) -> None:
            caught.append(copy.deepcopy(params))

        events = store.resource.meta.client.meta.events
        events.register("provide-client-params.dynamodb.UpdateItem", catch)
        (probe,) = stack.add_events(1, days_ahead=-30, prefix="f")
        store.events.append_payment(
            probe, payment_entry(stack.crew_email), MAX_ENTRIES, MAX_LEDGER_BYTES
        )
        self.request = caught[-1]
        self.table = store.events.table.name
        self.email = stack.crew_email
        self.client = boto3.session.Session().client(
            "dynamodb",
            region_name=stack.settings.aws_region,
            endpoint_url=stack.settings.dynamodb_endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(max_pool_connections=64, retries={"max_attempts": 1}),
        )
        self.serialize = TypeSerializer().serialize

    def payment(self, event_id: str) -> Op:
        def op(_: int) -> None:
            entry = payment_entry(self.email)
            values = {
                **self.request["ExpressionAttributeValues"],
                ":entry": entry,
                ":id": entry["payment_id"],
                ":id_set": {entry["payment_id"]},
            }
            self.client.update_item(
                **{
                    **self.request,
                    "TableName": self.table,
                    "Key": {"event_id": {"S": event_id}},
                    "ExpressionAttributeValues": {k: self.serialize(v) for k, v in values.items()},
                }
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
        items, _later = board_page(read, today, more)
        store.waivers.guests_from(since, day_of(items[-1]) if items else since)

    return op


def timed_sequence(op: Op, count: int) -> list[float]:
    out = []
    for i in range(count):
        started = time.perf_counter()
        op(i)
        out.append(time.perf_counter() - started)
    return out


def concurrent_payments(
    stack: Stack, clients: int, payments: int, floor: Floor | None = None
) -> tuple[Run, Run, Run]:
    """`clients` clients each logging payments on their own trip, through the app, with
    the repository's append, and with the floor (one shared low-level client), in
    alternating rounds; `payments` per side."""
    floor = floor or Floor(stack)
    # Trips a month ago: they take payments but stay off the dashboard measured later.
    app_ops = [app_payment(stack, e) for e in stack.add_events(clients, -30, prefix="w")]
    raw_ops = [raw_payment(stack, e) for e in stack.add_events(clients, -30, prefix="r")]
    floor_ops = [floor.payment(e) for e in stack.add_events(clients, -30, prefix="l")]
    # Warm up every worker process and connection (not counted).
    for ops in (app_ops, raw_ops, floor_ops):
        concurrently(ops, 3)
    runs = alternating([app_ops, raw_ops, floor_ops], payments)
    return runs[0], runs[1], runs[2]


def alternating(sides: list[list[Op]], total: int, rounds: int = 4) -> list[Run]:
    """`total` operations on each side, in `rounds` rounds of one batch per side."""
    out = [Run() for _ in sides]
    per_client = max(1, total // len(sides[0]))
    for r in range(rounds):
        count = per_client // rounds + (1 if r < per_client % rounds else 0)
        for run, ops in zip(out, sides, strict=True):
            if count:
                run.add(concurrently(ops, count))
    return out


def interleaved(ops: list[Op], count: int, warm: int = 5) -> list[list[float]]:
    """Each op once in turn, `count` times over (one client): their latencies."""
    for op in ops:
        timed_sequence(op, warm)
    out: list[list[float]] = [[] for _ in ops]
    for _ in range(count):
        for lat, op in zip(out, ops, strict=True):
            lat += timed_sequence(op, 1)
    return out
