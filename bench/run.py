"""`make bench`: the app against the raw DynamoDB calls it stands on, side by side.

Starts its own in-memory dynalite and `uvicorn --workers 4` on 127.0.0.1 (nothing else
is contacted), measures, prints one table and stops everything. Each app-vs-raw row is
measured in alternating rounds in the same run, so machine noise hits both sides alike.
Not part of `make test`: the numbers depend on the machine (see docs/performance.md).

    .venv/bin/python bench/run.py [--clients 16] [--payments 2000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
from goals import WORKERS, goals
from measure import (
    GZIP,
    HX,
    Floor,
    Run,
    app_dashboard,
    app_payment,
    concurrent_payments,
    concurrently,
    interleaved,
    ms,
    raw_dashboard_reads,
    raw_payment,
    side_by_side,
    timed_sequence,
)
from stack import ROOT, Stack, local_stack, serving, uvicorn_command

from server.dev.local import free_port

# --- the rows ----------------------------------------------------------------------

Row = tuple[str, str, str, str]


def write_path(stack: Stack, clients: int, payments: int) -> list[Row]:
    app, raw, floor = concurrent_payments(stack, clients, payments)
    n = len(app.latencies)

    def rate(run: Run) -> str:
        return f"{run.throughput:.0f}/s; p50 {ms(run.pct(50))}, p99 {ms(run.pct(99))}"

    return [
        (
            f"write: Log Payment, {clients} clients, {n} payments each side, "
            "against the floor (one shared low-level client, the same request)",
            rate(app),
            rate(floor),
            f"{app.throughput / floor.throughput:.2f}x throughput; "
            f"p50 {app.pct(50) / floor.pct(50):.1f}x",
        ),
        (
            "write: the same, against the repository call (`EventsRepo.append_payment`)",
            rate(app),
            rate(raw),
            f"{app.throughput / raw.throughput:.2f}x throughput; "
            f"p50 {app.pct(50) / raw.pct(50):.1f}x",
        ),
    ]


def read_path(stack: Stack, clients: int, requests: int) -> list[Row]:
    app_ops = [app_dashboard(stack) for _ in range(clients)]
    raw_ops = [raw_dashboard_reads(stack) for _ in range(clients)]
    concurrently(app_ops, 2)
    concurrently(raw_ops, 2)
    app, raw = side_by_side(app_ops, raw_ops, requests)
    return [
        (
            f"read: /dispatch with 100 upcoming trips, {clients} clients, "
            f"{len(app.latencies)} requests each side",
            f"{app.throughput:.0f}/s; p50 {ms(app.pct(50))}, p99 {ms(app.pct(99))}",
            f"{raw.throughput:.0f}/s; p50 {ms(raw.pct(50))}, p99 {ms(raw.pct(99))}",
            f"{app.throughput / raw.throughput:.2f}x throughput; "
            f"p50 {app.pct(50) / raw.pct(50):.1f}x",
        )
    ]


def append_growth(stack: Stack, depth: int, events: int = 2) -> list[Row]:
    """One client, one trip at a time: payments 1-10 against payments depth-9..depth,
    the app, the floor and the repository call interleaved."""
    lat: list[list[float]] = [[], [], [], [], [], []]  # early and late: app, floor, raw
    floor = Floor(stack)
    for _ in range(events):
        trips = stack.add_events(3, days_ahead=-30, prefix="g")
        ops = [app_payment(stack, trips[0]), floor.payment(trips[1]), raw_payment(stack, trips[2])]
        for i, side in enumerate(interleaved(ops, depth, warm=0)):
            lat[2 * i] += side[:10]
            lat[2 * i + 1] += side[-10:]
    med = statistics.median

    def grow(i: int) -> str:
        early, late = med(lat[2 * i]), med(lat[2 * i + 1])
        return f"{ms(early)} vs {ms(late)} ({late / early:.1f}x)"

    return [
        (
            f"growth: one append, payments 1-10 vs {depth - 9}-{depth} on one trip "
            f"(median, {events} trips)",
            grow(0),
            f"floor {grow(1)}; repository call {grow(2)}",
            "sequential, one client",
        )
    ]


def dashboard_median(stack: Stack, count: int) -> tuple[float, float]:
    app = app_dashboard(stack)
    raw = raw_dashboard_reads(stack)
    timed_sequence(app, 3)
    app_lat: list[float] = []
    raw_lat: list[float] = []
    for _ in range(count):  # interleaved, one at a time
        app_lat += timed_sequence(app, 1)
        raw_lat += timed_sequence(raw, 1)
    return statistics.median(app_lat), statistics.median(raw_lat)


# A Lambda execution environment, as far as start-up can tell: the runtime's variable and
# the function's settings (no table is contacted: the first request is the sign-in page).
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "scc-bench-app",
    "AWS_REGION": "us-east-1",
    "SCC_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
    "SCC_DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
    "SCC_TABLE_PREFIX": "scc-bench-",
    "SCC_BASE_URL": "https://scc.example",
}
FIRST_REQUEST = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/login",
    "rawQueryString": "",
    # SCC_BASE_URL's host: the app answers a Function URL's own host only behind
    # CloudFront (with its origin secret set), which this environment does not have.
    "headers": {"host": "scc.example", "x-forwarded-proto": "https"},
    "requestContext": {
        "http": {
            "method": "GET",
            "path": "/login",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.9",
            "userAgent": "bench",
        },
        "requestId": "bench",
        "routeKey": "$default",
        "stage": "$default",
    },
    "isBase64Encoded": False,
}
COLD_START = {
    "boto3": "import boto3",
    # Lambda without a snapshot: the init (the app starts while the handler module is
    # imported), then the first request.
    "init": "import server.lambda_handler",
    "init+first": (
        "import time, server.lambda_handler as h\n"
        "t = time.perf_counter()\n"
        f"r = h.handler({FIRST_REQUEST!r}, None)\n"
        "assert r['statusCode'] == 200, r\n"
        "print(time.perf_counter() - t)"
    ),
    # SnapStart: the init runs once when a version is published (snapshotting: every
    # template compiled too); each cold start restores it. The stand-in for a restore is
    # a fork of the initialised interpreter: timed from the fork to the first answer,
    # with the after-restore hook.
    "snapshot-init": "import server.lambda_handler",
    "restored": (
        "import os, time, server.lambda_handler as h\n"
        "r, w = os.pipe()\n"
        "t = time.perf_counter()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    getattr(h, 'after_restore', lambda: None)()\n"
        f"    resp = h.handler({FIRST_REQUEST!r}, None)\n"
        "    assert resp['statusCode'] == 200, resp\n"
        "    os.write(w, str(time.perf_counter() - t).encode())\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print(os.read(r, 100).decode())"
    ),
}
SNAPSHOT = {"snapshot-init", "restored"}


def cold_start_times(runs: int, root: Path = ROOT) -> dict[str, float]:
    """Fresh interpreters in `root`, interleaved, with the Lambda environment: boto3
    alone; the handler module's import (the init) and that plus the first request; the
    same init as a snapshot and the first request of a "restored" copy. Median seconds;
    "first" is the first request alone and "restored" the fork-to-answer time, both
    timed inside the process."""
    times: dict[str, list[float]] = {k: [] for k in [*COLD_START, "first"]}
    for _ in range(runs):
        for name, code in COLD_START.items():
            env = {**os.environ, **LAMBDA_ENV}
            if name in SNAPSHOT:
                env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=root,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            elapsed = time.perf_counter() - started
            if name == "init+first":
                times["first"].append(float(out.strip().splitlines()[-1]))
            if name == "restored":
                elapsed = float(out.strip().splitlines()[-1])
            times[name].append(elapsed)
    return {k: statistics.median(v) for k, v in times.items()}


def cold_start(runs: int, root: Path = ROOT) -> list[Row]:
    med = cold_start_times(runs, root)
    boto3 = med["boto3"]
    return [
        (
            f"cold start without a snapshot: fresh python (median of {runs})",
            f"init {ms(med['init'])}; + first request {ms(med['init+first'])}"
            f" (the request itself {ms(med['first'])})",
            f"import boto3 {ms(boto3)}",
            f"{med['init'] / boto3:.2f}x; with the first request {med['init+first'] / boto3:.2f}x",
        ),
        (
            f"cold start with SnapStart (median of {runs})",
            f"restored copy's first answer {ms(med['restored'])}"
            f" (init at publish time {ms(med['snapshot-init'])})",
            f"import boto3 {ms(boto3)}",
            f"{med['restored'] / boto3:.2f}x",
        ),
    ]


def transferred_bytes(stack: Stack) -> list[Row]:
    """Bytes on the wire with gzip, as a phone on a first visit would fetch them."""
    crew, token = stack.signed_in(**GZIP)
    anonymous = stack.client(**GZIP)

    def size(client: httpx2.Client, method: str, url: str, **kwargs: Any) -> int:
        with client.stream(method, url, **kwargs) as response:
            if response.status_code >= 400:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return sum(len(chunk) for chunk in response.iter_raw())

    def with_assets(client: httpx2.Client, url: str) -> tuple[int, int]:
        html = client.get(url).text
        assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))
        return size(client, "GET", url), sum(size(client, "GET", a) for a in assets)

    upcoming = stack.store.events.upcoming(stack.today().isoformat())
    event_id = upcoming[0]["event_id"]
    page, assets = with_assets(crew, "/dispatch")
    modal = size(crew, "GET", f"/dispatch/events/{event_id}/payment", headers=HX)
    post = size(
        crew,
        "POST",
        f"/api/events/{event_id}/payment",
        headers=HX,
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
            "csrf_token": token,
        },
    )
    waiver, waiver_assets = with_assets(anonymous, f"/g/{event_id}/waiver")
    kb = 1024
    return [
        (
            f"bytes (gzip): dashboard first load, {len(upcoming)} trips, with every asset",
            f"{(page + assets) / kb:.1f} KB (page {page / kb:.1f} KB"
            f" + assets {assets / kb:.1f} KB)",
            "",
            "budget 36 KB (tests/integration/test_budgets.py)",
        ),
        ("bytes (gzip): Log Payment modal fragment", f"{modal / kb:.2f} KB", "", "budget 4 KB"),
        ("bytes (gzip): Log Payment POST answer (htmx)", f"{post / kb:.2f} KB", "", "budget 4 KB"),
        (
            "bytes (gzip): waiver page, first load with every asset",
            f"{(waiver + waiver_assets) / kb:.1f} KB (page {waiver / kb:.1f} KB"
            f" + assets {waiver_assets / kb:.1f} KB)",
            "",
            "",
        ),
    ]


def check(response: httpx2.Response) -> None:
    """Raise on an error answer (a timed op returns nothing)."""
    response.raise_for_status()


def keep_alive_latency(stack: Stack, workers: int) -> list[Row]:
    """Sequential GETs of /healthz on one keep-alive connection: plain `uvicorn
    --workers N` against `scc serve --workers N` (bench/serve.py), which sets TCP_NODELAY."""
    port = free_port()
    plain_url = f"http://127.0.0.1:{port}"
    with serving(plain_url, stack.env, uvicorn_command(port, workers)):
        plain = httpx2.Client(base_url=plain_url)
        ours = stack.client()
        plain_lat: list[float] = []
        ours_lat: list[float] = []
        for _ in range(3):
            plain.get("/healthz"), ours.get("/healthz")  # noqa: B018 (warm-up)
        for _ in range(30):
            plain_lat += timed_sequence(lambda _: check(plain.get("/healthz")), 1)
            ours_lat += timed_sequence(lambda _: check(ours.get("/healthz")), 1)
    plain_ms, ours_ms = statistics.median(plain_lat), statistics.median(ours_lat)
    return [
        (
            f"keep-alive GET /healthz, {workers} workers (median of 30, one client)",
            f"`scc serve` (TCP_NODELAY) {ms(ours_ms)}",
            f"plain `uvicorn --workers {workers}` {ms(plain_ms)}",
            f"{plain_ms / ours_ms:.0f}x slower without: uvicorn issue #3149",
        )
    ]


GOALS_HEADER: Row = ("goal (issues 18 and 29)", "measured", "target", "met")
HEADER: Row = ("measurement", "through the app", "raw boto3 / baseline", "ratio / note")


def print_table(rows: list[Row], header: Row = HEADER) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "| " + " | ".join("-" * w for w in widths) + " |"
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print(line)
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--payments", type=int, default=2000, help="per side, write path")
    parser.add_argument("--reads", type=int, default=400, help="per side, read path")
    parser.add_argument("--depth", type=int, default=400, help="payments on one trip")
    parser.add_argument("--workers", type=int, default=4, help="uvicorn worker processes")
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke run")
    parser.add_argument("--cold-start", action="store_true", help="only the cold-start rows")
    parser.add_argument("--root", type=Path, default=ROOT, help="code to time (cold start)")
    parser.add_argument("--goals", action="store_true", help="only issue 18's and 29's goals")
    args = parser.parse_args()
    if args.cold_start:
        print_table(cold_start(9, args.root))
        return 0
    if args.goals:
        print_table(goals(args.quick), GOALS_HEADER)
        return 0
    if args.quick:
        args.payments, args.reads, args.depth = 160, 64, 40
    started = time.perf_counter()
    rows: list[Row] = []

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with local_stack(workers=args.workers) as stack:
        say(f"app on {stack.base_url} with {args.workers} workers; dynalite in memory")
        stack.add_events(10)
        say("bytes...")
        rows += transferred_bytes(stack)
        say("dashboard at 10 trips...")
        at10 = dashboard_median(stack, 30)
        say(f"write path: {args.payments} payments per side, {args.clients} clients...")
        rows += write_path(stack, args.clients, args.payments)
        stack.add_events(90, days_ahead=1)
        say("dashboard at 100 trips...")
        at100 = dashboard_median(stack, 30)
        say(f"read path: {args.reads} requests per side...")
        rows += read_path(stack, args.clients, args.reads)
        say(f"append growth: {args.depth} payments on one trip...")
        rows += append_growth(stack, args.depth)
        stack.add_events(400, days_ahead=2)
        say("dashboard at 500 trips...")
        at500 = dashboard_median(stack, 15)
        rows.append(
            (
                "growth: /dispatch at 10 / 100 / 500 upcoming trips (median, one client)",
                " / ".join(ms(a) for a, _ in (at10, at100, at500)),
                " / ".join(ms(r) for _, r in (at10, at100, at500)),
                f"app 500 vs 10: {at500[0] / at10[0]:.1f}x",
            )
        )
        say("keep-alive latency, plain uvicorn...")
        rows += keep_alive_latency(stack, args.workers)
    say("cold start...")
    rows += cold_start(7)
    say(f"issue 18's and 29's goals, on a {WORKERS}-worker stack...")
    targets = goals(args.quick)
    print()
    print_table(rows)
    print()
    print_table(targets, GOALS_HEADER)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n(total {time.perf_counter() - started:.0f} s; Python {sys.version.split()[0]};"
        f" {os.cpu_count()} cores; load average at the end {load})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
