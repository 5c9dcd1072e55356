"""Issue 18's and 29's goals, each measured side by side in one run and printed next to
its target: Log Payment against the floor (the app's append from one shared low-level
boto3 client) and the repository's append, sequential, 16 clients on 2 workers, the 400th
payment against the 1st, and a warm Lambda invocation; DynamoDB calls per payment with
the work after the response; /dispatch at 500 trips against 10; a signed waiver's PDF
built and sealed (issue 31, bench/waiver_pdf.py). `bench/run.py --goals`
runs only these; `make bench` ends with them."""

from __future__ import annotations

import dataclasses
import statistics
import sys
import uuid
from collections import Counter
from typing import Any

from measure import (
    HX,
    Floor,
    app_dashboard,
    app_payment,
    concurrent_payments,
    interleaved,
    ms,
    raw_payment,
    timed_sequence,
)
from stack import PASSWORD, ROOT, Stack, csrf_from, local_stack
from starlette.datastructures import Secret
from starlette.testclient import TestClient
from waiver_pdf import waiver_pdf_goal

from server.app import create_app
from server.store import Store

WORKERS = 2
Goal = tuple[str, str, str, str]  # goal, measured, target, met


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def sequential_payment(stack: Stack, floor: Floor, count: int) -> list[Goal]:
    """One client, one payment at a time, app, floor and repository call interleaved."""
    app_event, raw_event, floor_event = stack.add_events(3, days_ahead=-30, prefix="s")
    ops = [app_payment(stack, app_event), floor.payment(floor_event), raw_payment(stack, raw_event)]
    a, f, r = (statistics.median(lat) for lat in interleaved(ops, count))
    return [
        (
            "sequential Log Payment / floor (median, one client)",
            f"{a / f:.2f}x ({ms(a)} vs {ms(f)}; repository call {ms(r)}, {a / r:.2f}x)",
            "<= 1.5x",
            _met(a / f <= 1.5),
        )
    ]


def concurrent_throughput(stack: Stack, floor: Floor, clients: int, payments: int) -> Goal:
    app, raw, low = concurrent_payments(stack, clients, payments, floor)
    ratio = app.throughput / low.throughput
    return (
        f"{clients} clients, {WORKERS} workers: app / floor throughput",
        f"{ratio:.2f} ({app.throughput:.0f}/s vs {low.throughput:.0f}/s; "
        f"repository call {raw.throughput:.0f}/s)",
        ">= 0.8",
        _met(ratio >= 0.8),
    )


def ledger_growth(stack: Stack, floor: Floor, depth: int) -> Goal:
    """One trip through the app, `depth` payments in a row: the last 10 against the first
    10 (medians); the floor's own growth beside it."""
    app_event, floor_event = stack.add_events(2, days_ahead=-30, prefix="d")
    app_lat, floor_lat = interleaved(
        [app_payment(stack, app_event), floor.payment(floor_event)], depth, warm=0
    )
    med = statistics.median
    grow = med(app_lat[-10:]) / med(app_lat[:10])
    return (
        f"Log Payment {depth - 9}-{depth} / 1-10 on one trip (median, one client)",
        f"{grow:.2f}x ({ms(med(app_lat[-10:]))} vs {ms(med(app_lat[:10]))}; floor "
        f"{med(floor_lat[-10:]) / med(floor_lat[:10]):.2f}x)",
        "<= 1.2x",
        _met(grow <= 1.2),
    )


def lambda_warm(stack: Stack, floor: Floor, count: int) -> Goal:
    """The Lambda handler, warm, in this process, driven with Function URL events
    (tests/test_lambda.py's), interleaved with the floor's append from this process."""
    sys.path.insert(0, str(ROOT))
    from server import lambda_handler
    from tests.helpers.aws import ORIGIN_SECRET, Browser

    settings = dataclasses.replace(
        stack.settings, base_url="https://scc.example", origin_secret=Secret(ORIGIN_SECRET)
    )
    started = lambda_handler.start(settings, Store.connect(settings))
    try:
        browser = Browser(started)
        token = browser.sign_in(stack.store)
        app_event, floor_event = stack.add_events(2, days_ahead=-30, prefix="z")

        def invoke(_: int) -> None:
            form = {"payment_id": str(uuid.uuid4()), "amount": "5", "method": "cash"}
            answer = browser(
                "POST",
                f"/api/events/{app_event}/payment",
                form={**form, "csrf_token": token},
                headers=HX,
            )
            if answer["statusCode"] != 200:
                raise RuntimeError(f"Log Payment on Lambda answered {answer['statusCode']}")

        ops = [invoke, floor.payment(floor_event)]
        a, f = (statistics.median(x) for x in interleaved(ops, count))
    finally:
        started.close()
    return (
        "warm Lambda invocation of Log Payment / floor (median, in process)",
        f"{a / f:.2f}x ({ms(a)} vs {ms(f)})",
        "<= 1.5x",
        _met(a / f <= 1.5),
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
    item = store.events.get(event_id)
    owed = set(item.get("notices_owed", ()) if item is not None else ())
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
        floor = Floor(stack)
        return [
            *sequential_payment(stack, floor, 30 if quick else 100),
            concurrent_throughput(stack, floor, 16, 160 if quick else 800),
            ledger_growth(stack, floor, 100 if quick else 400),
            lambda_warm(stack, floor, 30 if quick else 100),
            calls_per_payment(stack),
            dashboard_growth(stack, 10 if quick else 20),
            waiver_pdf_goal(quick),
        ]
