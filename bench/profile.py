"""Where a Log Payment's time goes, end to end: the app served by uvicorn in this process
(the HTTP parser, the middleware, CSRF, the form, the session, the append, the answer's
render and gzip), one kept-alive client in ANOTHER process logging payments one at a
time, under pyinstrument.

    .venv/bin/python bench/profile.py [--payments 300] [--html var/profile.html]

The work the app hands to the thread pool (the DynamoDB calls, the render) is run in
the event loop's thread here, so a single-threaded sampling profile sees all of it (one
client at a time, so nothing else would have run meanwhile; what is missed is the cost
of the thread hop itself). The client is a subprocess so that it does not take the GIL
from the server being profiled. The process's CPU time per payment is printed too: the
built-in waits (`recv_into`, `epoll`) are the wait for dynalite and the client, not
work. Not part of `make test`; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
import uvicorn
from measure import GZIP, HX
from pyinstrument import Profiler
from stack import PASSWORD, csrf_from, local_stack

from server.app import create_app
from server.dev.local import free_port
from server.store import Store

TOP = 25
SHOW_ALL = "--all" in sys.argv
WARM = 20


def by_own_time(root: Any) -> list[tuple[tuple[str, str], float]]:
    """Every function's own time (seconds, summed over the whole profile), largest first:
    where the time is actually spent, whichever caller it came from."""
    own: dict[tuple[str, str], float] = {}
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if str(frame.function).startswith("["):
            continue  # pyinstrument's "[self]" frames: already in their parent's own time
        key = (str(frame.function), f"{frame.file_path_short}:{frame.line_no}")
        own[key] = own.get(key, 0.0) + frame.total_self_time
    return sorted(own.items(), key=lambda kv: -kv[1])[:TOP]


async def _inline(func: Any, *args: Any, **_: Any) -> Any:
    return func(*args)


def load(base: str, email: str, event_id: str, payments: int) -> int:
    """The client (run in its own process): sign in, WARM payments, /__profile (the
    profiler starts), `payments` payments, /__profile again (it stops)."""
    with httpx2.Client(base_url=base, headers=GZIP, timeout=60) as client:
        token = csrf_from(client.get("/login").text)
        password = sys.stdin.readline().strip()  # the parent's (stack.PASSWORD is random)
        data = {"email": email, "password": password, "csrf_token": token}
        token = csrf_from(client.post("/login", data=data, follow_redirects=True).text)
        for i in range(WARM + payments):
            if i == WARM:
                client.get("/__profile")
            form = {"payment_id": str(uuid.uuid4()), "amount": "5", "method": "cash"}
            answer = client.post(
                f"/api/events/{event_id}/payment",
                data={**form, "csrf_token": token},
                headers=HX,
            )
            if answer.status_code != 200:
                raise RuntimeError(f"Log Payment answered {answer.status_code}")
        client.get("/__profile")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML here")
    parser.add_argument(
        "--load", nargs=3, metavar=("BASE", "EMAIL", "EVENT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--all", action="store_true", help="every frame in the tree")
    args = parser.parse_args()
    if args.load:
        base, email, event_id = args.load
        return load(base, email, event_id, args.payments)
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    with local_stack(workers=1) as stack:
        (event_id,) = stack.add_events(1, days_ahead=-30, prefix="p")
        app = create_app(stack.settings, Store.connect(stack.settings))
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        cpu: list[float] = []

        async def profiled(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/__profile":  # this thread on
                if profiler.is_running:
                    profiler.stop()
                else:
                    profiler.start(target_description="Log Payment")
                cpu.append(time.process_time())
                scope = {**scope, "path": "/healthz", "raw_path": b"/healthz"}
            await app(scope, receive, send)

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                profiled, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
            )
        )
        errors: list[BaseException] = []

        def client() -> None:
            try:
                while not server.started:
                    threading.Event().wait(0.05)
                command = [sys.executable, __file__, "--payments", str(args.payments)]
                command += ["--load", f"http://127.0.0.1:{port}", stack.crew_email, event_id]
                subprocess.run(command, check=True, input=PASSWORD + "\n", text=True)
            except BaseException as exc:
                errors.append(exc)
            finally:
                server.should_exit = True

        threading.Thread(target=client, daemon=True).start()
        server.run()
        if errors:
            raise errors[0]
        session = profiler.last_session
        assert session is not None
        print(profiler.output_text(unicode=False, color=False, show_all=SHOW_ALL))
        print(f"top {TOP} by own time (every frame, library code included):")
        for (name, where), own in by_own_time(session.root_frame()):
            print(f"{own / args.payments * 1000:8.2f} ms/payment  {name}  {where}")
        if args.html:
            args.html.parent.mkdir(parents=True, exist_ok=True)
            args.html.write_text(profiler.output_html())
        per = session.duration / args.payments * 1000
        used = (cpu[1] - cpu[0]) / args.payments * 1000
        print(
            f"{args.payments} payments, {per:.1f} ms each under the profiler "
            f"(this process's CPU: {used:.1f} ms each)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
