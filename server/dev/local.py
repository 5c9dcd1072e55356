"""Local DynamoDB for `make run` and the tests: dynalite from the npm package."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from server import ROOT

DYNALITE = ROOT / "node_modules" / ".bin" / "dynalite"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(
    port: int, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once something accepts connections on localhost:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout} s")


def _die_with_parent() -> None:
    """In the child: end dynalite when the process that started it ends, however it
    ends (Linux `PR_SET_PDEATHSIG`), so no orphan keeps the port or the data folder."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the parent's finally still stops it


def start_dynalite(
    port: int, path: Path | None = None, *, fast: bool = False
) -> subprocess.Popen[bytes]:
    """Start dynalite on 127.0.0.1:port (persisting under `path` when given) and wait
    until it answers. `fast` makes table creation immediate, for tests."""
    if not DYNALITE.exists():
        raise RuntimeError(f"{DYNALITE} is missing: run `make setup` (npm ci) first")
    command = [str(DYNALITE), "--host", "127.0.0.1", "--port", str(port)]
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        command += ["--path", str(path)]
    if fast:
        command += ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    proc = subprocess.Popen(  # errors reach stderr
        command, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
    )
    try:
        wait_for_port(port, proc=proc)
    except Exception:
        proc.kill()
        raise
    return proc


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    """Poll `url`/healthz until it answers 200; fail early (with the end of the log)
    if the server process dies."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with code {proc.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.05)
    raise TimeoutError(f"{url}/healthz did not answer 200 in {timeout} s ({last})")


def stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate a child process (kill it if it does not stop) and close its pipes."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
