"""Issue 18's goals, each measured side by side in one run and printed next to its target:
Log Payment against the raw append (sequential, and 16 clients on 2 workers), DynamoDB
calls per payment with the work after the response, and /dispatch at 500 trips against
10. `bench/run.py --goals` runs only these; `make bench` ends with them."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from typing import Any

from measure import (
    HX,
    app_dashboard,
    app_payment,
    concurrent_payments,
    ms,
    raw_payment,
    timed_sequence,
)
from stack import PASSWORD, Stack, csrf_from, local_stack
from starlette.testclient import TestClient

from server.app import create_app
from server.store import Store

WORKERS = 2
Goal = tuple[str, str, str, str]  # goal, measured, target, met


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def sequential_payment(stack: Stack, count: int) -> Goal:
    """One client, one payment at a time, app and raw interleaved: median against median."""
    app_event, raw_event = stack.add_events(2, days_ahead=-30, prefix="s")
    app, raw = app_payment(stack, app_event), raw_payment(stack, raw_event)
    timed_sequence(app, 5)
    timed_sequence(raw, 5)
    app_lat: list[float] = []
    raw_lat: list[float] = []
    for _ in range(count):
        app_lat += timed_sequence(app, 1)
        raw_lat += timed_sequence(raw, 1)
    a, r = statistics.median(app_lat), statistics.median(raw_lat)
    return (
        "sequential Log Payment / raw append (median, one client)",
        f"{a / r:.2f}x ({ms(a)} vs {ms(r)})",
        "<= 2x",
        _met(a / r <= 2),
    )


def concurrent_throughput(stack: Stack, clients: int, payments: int) -> Goal:
    app, raw = concurrent_payments(stack, clients, payments)
    ratio = app.throughput / raw.throughput
    return (
        f"{clients} clients, {WORKERS} workers: app / raw throughput",
        f"{ratio:.2f} ({app.throughput:.0f}/s vs {raw.throughput:.0f}/s)",
        ">= 0.6",
        _met(ratio >= 0.6),
    )


def calls_per_payment(stack: Stack) -> Goal:
    """The app as uvicorn serves it (the email tried after the response), in this
    process so botocore's hooks count every call: before the answer and after it."""
    store = Store.connect(stack.settings)
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    store.resource.meta.client.meta.events.register("before-call.dynamodb", count)
    (event_id,) = stack.add_events(1, days_ahead=-30, prefix="n")
    with TestClient(create_app(stack.settings, store), base_url=stack.base_url) as client:
        token = csrf_from(client.get("/login").text)
        data = {"email": stack.crew_email, "password": PASSWORD, "csrf_token": token}
        token = csrf_from(client.post("/login", data=data).text)
        calls.clear()
        posted: set[str] = set()
        for _ in range(5):  # TestClient returns once the after-response task has run
            payment = {"payment_id": str(uuid.uuid4()), "amount": "5", "method": "cash"}
            posted.add(payment["payment_id"])
            answer = client.post(
                f"/api/events/{event_id}/payment",
                data={**payment, "csrf_token": token},
                headers=HX,
            )
            if answer.status_code != 200:
                raise RuntimeError(f"Log Payment answered {answer.status_code}")
    counted = Counter(calls)  # before the checks below, which read through the same client
    per_payment = sum(counted.values()) / 5
    owed = set((store.events.get(event_id) or {}).get("notices_owed", ()))
    queued = {str(n["ref_id"]) for n in store.outbox.in_state("pending")}
    kept = posted <= owed | queued  # owed on the trip, or queued in the outbox table
    detail = ", ".join(f"{name} {n / 5:g}" for name, n in sorted(counted.items()))
    return (
        "DynamoDB calls per payment, request + after it (no Gmail)",
        f"{per_payment:g} ({detail}); 5 of 5 emails kept: {'yes' if kept else 'NO'}",
        "<= 2, email owed",
        _met(per_payment <= 2 and kept),
    )


def dashboard_growth(stack: Stack, count: int) -> Goal:
    """/dispatch at 10 upcoming trips, then at 500 (medians, one client)."""
    dashboard = app_dashboard(stack)
    stack.add_events(10)
    timed_sequence(dashboard, 3)
    at10 = statistics.median(timed_sequence(dashboard, count))
    stack.add_events(490, days_ahead=1)
    timed_sequence(dashboard, 2)
    at500 = statistics.median(timed_sequence(dashboard, count))
    return (
        "/dispatch at 500 upcoming trips / at 10 (median, one client)",
        f"{at500 / at10:.1f}x ({ms(at500)} vs {ms(at10)})",
        "<= 3x",
        _met(at500 / at10 <= 3),
    )


def goals(quick: bool) -> list[Goal]:
    """Every goal, on a fresh 2-worker stack of its own."""
    with local_stack(workers=WORKERS) as stack:
        return [
            sequential_payment(stack, 30 if quick else 100),
            concurrent_throughput(stack, 16, 160 if quick else 800),
            calls_per_payment(stack),
            dashboard_growth(stack, 10 if quick else 20),
        ]
