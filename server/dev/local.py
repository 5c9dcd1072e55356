"""Local DynamoDB for `make run` and the tests: dynalite from the npm package; and the
checks `make run` makes before it says "Serving" (ports free, the dynalite answering is
the one it started, the addresses a phone on the same network can open)."""

from __future__ import annotations

import base64
import ctypes
import dataclasses
import errno
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from server import ROOT
from server.dev.signing_key import self_signed_pkcs12
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables

DYNALITE = ROOT / "node_modules" / ".bin" / "dynalite"


def throwaway_app(dynalite_port: int, port: int, name: str) -> tuple[str, dict[str, str], Store]:
    """An app's base URL, environment and store on a throwaway dynalite (the browser
    suite's stage, the benchmark): a random secret, fresh tables under a random prefix,
    a self-signed signing certificate for the waiver PDFs, kept in a folder of its own."""
    base_url = f"http://127.0.0.1:{port}"
    pkcs12 = self_signed_pkcs12(f"{name} test operator")
    env = {
        "SCC_SIGNING_KEY": base64.b64encode(pkcs12).decode(),
        "SCC_LOCAL_DATA": tempfile.mkdtemp(prefix=f"scc-{name}-"),
        "SCC_SECRET_KEY": f"{name}-secret-key-" + secrets.token_urlsafe(32),
        "SCC_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{dynalite_port}",
        "SCC_TABLE_PREFIX": f"{name}{uuid.uuid4().hex[:10]}-",
        "SCC_BASE_URL": base_url,
        "SCC_TIMEZONE": "America/Los_Angeles",
    }
    settings = Settings.from_env(env)
    init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    return base_url, env, Store.connect(settings)


class LocalStackError(RuntimeError):
    """`make run` cannot start as asked; the message says why and what to change."""


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


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already accepts connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on `port` (Linux /proc/net/tcp{,6}; state 0A = LISTEN)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process `pid` owns the socket listening on `port`; None where the system
    cannot tell (no /proc)."""
    inodes = _listening_inodes(port)
    if not inodes or not Path(f"/proc/{pid}/fd").is_dir():
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    links = set()
    for fd in fds:
        try:
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:  # closed meanwhile
            continue
    return any(f"socket:[{inode}]" in links for inode in inodes)


def data_folder_in_use(path: Path) -> bool:
    """Whether a running dynalite holds LevelDB's lock on `path` (a second dynalite on
    the same folder starts, then dies at its first request)."""
    lock = path / "LOCK"
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def start_dynalite(
    port: int, path: Path | None = None, *, fast: bool = False
) -> subprocess.Popen[bytes]:
    """Start dynalite on 127.0.0.1:port (persisting under `path` when given) and wait
    until it answers, making sure the dynalite answering is this one (not one another
    `make run` left on the port). `fast` makes table creation immediate, for tests."""
    if not DYNALITE.exists():
        raise RuntimeError(f"{DYNALITE} is missing: run `make setup` (npm ci) first")
    if port_in_use(port):
        raise LocalStackError(
            f"port {port} for dynalite is already in use (another `make run`?). "
            f"Stop that one, or pick a free port: SCC_DYNALITE_PORT={port + 1} make run"
        )
    if path is not None and data_folder_in_use(path):
        raise LocalStackError(
            f"{path} is in use by another dynalite (another `make run` in this checkout?). "
            "Stop that one, or give this one its own data folder: SCC_LOCAL_DATA=/some/folder"
        )
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
        try:
            wait_for_port(port, proc=proc)
        except RuntimeError:
            raise LocalStackError(
                f"dynalite exited (code {proc.returncode}) before it listened on port {port}"
                + (f"; is another `make run` using {path}?" if path is not None else "")
            ) from None
        if proc.poll() is not None or listens_on(proc.pid, port) is False:
            raise LocalStackError(
                f"another process answers on port {port}, not the dynalite just started: "
                f"pick a free port with SCC_DYNALITE_PORT"
            )
    except Exception:
        stop(proc)
        raise
    return proc


def bind_port(host: str, port: int) -> socket.socket:
    """Bind the app's listening socket up front, so a busy PORT is reported before
    anything starts (and "Serving" is never printed for a port someone else holds)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise LocalStackError(
                f"port {port} is already in use (another `make run`, or another server). "
                f"Stop it, or serve on another port: make run PORT={port + 1}"
            ) from None
        raise LocalStackError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


ALL_INTERFACES = ("0.0.0.0", "::", "")


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, the one with the default route
    first (found by "connecting" a UDP socket: nothing is sent)."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for info in infos:
        address = str(info[4][0])
        if address not in found:
            found.append(address)
    return [a for a in found if not a.startswith("127.") and a != "0.0.0.0"]


def serving_urls(host: str, port: int) -> list[str]:
    """The dashboard's URLs to open: localhost, and on all interfaces the LAN ones."""
    if host in ALL_INTERFACES:
        return [f"http://localhost:{port}/dispatch"] + [
            f"http://{address}:{port}/dispatch" for address in lan_addresses()
        ]
    shown = f"[{host}]" if ":" in host else host
    if host in ("127.0.0.1", "localhost"):
        shown = "localhost"
    return [f"http://{shown}:{port}/dispatch"]


def local_base_url(host: str, port: int) -> str:
    """The app's public URL under `make run` when SCC_BASE_URL is not given: what the
    patron link, its QR code and every email link are built on. On all interfaces it is
    the LAN address (a phone scanning the QR code reaches it), else the host served."""
    if host in ALL_INTERFACES:
        lan = lan_addresses()
        return f"http://{lan[0]}:{port}" if lan else f"http://localhost:{port}"
    if host in ("127.0.0.1", "localhost"):
        return f"http://localhost:{port}"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def local_settings(settings: Settings, host: str) -> Settings:
    """`settings` for `make run` on `host`: the base URL derived from the host and the
    port when SCC_BASE_URL was not set, and the app answering every address it prints
    (localhost and the LAN ones), not only the base URL's host."""
    if "SCC_BASE_URL" in settings.given:
        return settings
    base_url = local_base_url(host, settings.port)
    names = ["localhost", "127.0.0.1"]
    if host in ALL_INTERFACES:
        names += lan_addresses()
    elif ":" not in host:
        names.append(host)
    extra = tuple(n for n in names if n not in settings.allowed_hosts)
    return dataclasses.replace(
        settings, base_url=base_url, allowed_hosts=settings.allowed_hosts + extra
    )


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
