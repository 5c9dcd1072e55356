"""`make run` (`scc local`) for a newcomer: it says "Serving" only once the app listens,
stops with a message naming the setting to change when a port or the data folder is
taken, never talks to another run's dynalite, serves the LAN on request, and `scc`
commands in a checkout use the local dynalite, never AWS by accident."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import ROOT
from server.dev.local import (
    LocalStackError,
    free_port,
    lan_addresses,
    listens_on,
    local_base_url,
    local_settings,
    serving_urls,
    start_dynalite,
    stop,
)
from server.settings import Settings

SECRET = "local-test-secret-" + "k" * 32


def local_env(data: Path, port: int, dynalite_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_"))}
    env.update(
        SCC_SECRET_KEY=SECRET,
        SCC_LOCAL_DATA=str(data),
        SCC_TABLE_PREFIX="scc-dev-",
        PORT=str(port),
        SCC_DYNALITE_PORT=str(dynalite_port),
        PYTHONUNBUFFERED="1",
    )
    return env


def scc_local(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "local", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> list[str]:
    """stdout lines up to and including the first containing `marker`."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in {lines}; stderr: {finish(proc)[1]}")


def finish(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    return out, err


def failed_sign_ins(base_url: str, count: int) -> list[int]:
    """`count` wrong sign-ins, each claiming another client IP in X-Forwarded-For; the
    status of each answer."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base_url}/login", timeout=10) as page:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert found
    statuses = []
    for n in range(count):
        form = urllib.parse.urlencode(
            {
                "csrf_token": found.group(1),
                "email": f"nobody{n}@example.com",
                "password": "not the password at all",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base_url}/login", data=form, headers={"X-Forwarded-For": f"203.0.113.{n + 1}"}
        )
        try:
            with opener.open(request, timeout=30) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)
    return statuses


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_make_run_on_the_lan_says_serving_once_listening_and_refuses_a_second_dynalite(
    tmp_path: Path,
) -> None:
    port, dynalite_port = free_port(), free_port()
    env = local_env(tmp_path / "var", port, dynalite_port)
    first = scc_local(env, "--host", "0.0.0.0")
    try:
        lines = read_until(first, "Serving on")
        # Printed once listening: the app answers straight away.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            assert answer.status == 200
        assert lines[-1] == f"Serving on http://localhost:{port}/dispatch"
        phone = read_until(first, "/dispatch" if lan_addresses() else "No network address")
        # No SCC_BASE_URL: patron links and emails are built on the LAN address (issue
        # 24 item 10), and the app answers there and on localhost alike.
        base = local_base_url("0.0.0.0", port)
        assert f"Patron links, QR codes and emails use {base}" in phone
        for url in (base, f"http://localhost:{port}"):
            with urllib.request.urlopen(f"{url}/login", timeout=5) as answer:
                assert answer.status == 200, url
        for address in lan_addresses():
            assert any(f"http://{address}:{port}/dispatch" in line for line in phone), phone
        assert (tmp_path / "var" / "demo-logins.txt").exists()

        # X-Forwarded-For is not trusted (issue 15): the 20th failure from this machine
        # locks it out, whatever address each request claims to come from.
        statuses = failed_sign_ins(f"http://127.0.0.1:{port}", 20)
        assert statuses == [401] * 19 + [429], statuses

        # A second `make run` on another PORT does not borrow the first one's dynalite.
        second = scc_local(local_env(tmp_path / "var", free_port(), dynalite_port))
        out, err = finish(second)
        assert second.returncode == 1, out + err
        assert f"port {dynalite_port} for dynalite is already in use" in err
        assert "SCC_DYNALITE_PORT=" in err
        assert "Serving" not in out

        # ...nor, on a port of its own, the first one's data folder.
        third = scc_local(local_env(tmp_path / "var", free_port(), free_port()))
        out, err = finish(third)
        assert third.returncode == 1, out + err
        assert "is in use by another dynalite" in err and "SCC_LOCAL_DATA" in err
        assert "Serving" not in out

        # The dynalite it started dies: the app stops and says so, instead of serving 503s.
        [dynalite_pid] = children(first.pid)
        assert listens_on(dynalite_pid, dynalite_port) is True
        os.kill(dynalite_pid, signal.SIGTERM)
        out, err = finish(first)
        assert first.returncode == 1, out + err
        assert f"dynalite on http://127.0.0.1:{dynalite_port} stopped" in err
    finally:
        if first.poll() is None:
            first.terminate()
            finish(first)


def test_a_busy_port_stops_before_anything_starts_and_names_port(
    tmp_path: Path, busy_port: int
) -> None:
    proc = scc_local(local_env(tmp_path / "var", busy_port, free_port()))
    out, err = finish(proc)
    assert proc.returncode == 1, out + err
    assert f"port {busy_port} is already in use" in err
    assert f"make run PORT={busy_port + 1}" in err
    assert "Serving" not in out and "starting dynalite" not in out
    assert not (tmp_path / "var").exists()


def test_a_busy_dynalite_port_is_refused_naming_the_setting(busy_port: int) -> None:
    with pytest.raises(LocalStackError, match=f"SCC_DYNALITE_PORT={busy_port + 1}"):
        start_dynalite(busy_port)


def test_the_dynalite_started_is_the_one_listening() -> None:
    port = free_port()
    dynalite = start_dynalite(port, fast=True)
    try:
        assert listens_on(dynalite.pid, port) is True
        assert listens_on(os.getpid(), port) is False
    finally:
        stop(dynalite)


def test_serving_urls_name_localhost_and_on_all_interfaces_the_lan() -> None:
    assert serving_urls("127.0.0.1", 8123) == ["http://localhost:8123/dispatch"]
    lan = serving_urls("0.0.0.0", 8123)
    assert lan[0] == "http://localhost:8123/dispatch"
    assert lan[1:] == [f"http://{a}:8123/dispatch" for a in lan_addresses()]
    assert all(not url.startswith("http://127.") for url in lan)


def test_make_run_derives_the_base_url_from_host_and_port_unless_given() -> None:
    unset = Settings.from_env({"SCC_SECRET_KEY": SECRET, "PORT": "8123"})
    assert local_settings(unset, "127.0.0.1").base_url == "http://localhost:8123"
    assert local_settings(unset, "192.0.2.7").base_url == "http://192.0.2.7:8123"
    lan = local_settings(unset, "0.0.0.0")
    addresses = lan_addresses()
    assert lan.base_url == f"http://{(addresses or ['localhost'])[0]}:8123"
    # Every address `make run` prints is answered, not only the base URL's host.
    assert {"localhost", "127.0.0.1", *addresses} <= set(lan.trusted_hosts)
    given = Settings.from_env(
        {"SCC_SECRET_KEY": SECRET, "PORT": "8123", "SCC_BASE_URL": "https://trips.example"}
    )
    assert local_settings(given, "0.0.0.0").base_url == "https://trips.example"


# --- `scc` in a checkout: make run's dynalite by default, AWS only when asked ----------


def test_in_a_checkout_unset_endpoint_means_make_runs_dynalite(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret-key").write_text("s" * 40 + "\n")
    settings = Settings.from_env({"SCC_DYNALITE_PORT": "4999"}, checkout=tmp_path)
    assert settings.dynamodb_endpoint == "http://127.0.0.1:4999"
    assert settings.is_local_dynamodb
    assert str(settings.secret_key) == "s" * 40
    aws = Settings.from_env({"SCC_DYNAMODB_ENDPOINT": "aws"}, checkout=tmp_path)
    assert aws.dynamodb_endpoint is None
    # Outside a checkout (the Lambda zip), unset still means AWS.
    assert Settings.from_env({"SCC_SECRET_KEY": "s" * 40}).dynamodb_endpoint is None


def test_scc_commands_in_the_checkout_reach_the_local_dynalite(tmp_path: Path) -> None:
    port = free_port()
    dynalite = start_dynalite(port, fast=True)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCC_", "GMAIL_", "AWS_"))}
        # No endpoint, no AWS credentials: only the port `make run` would use.
        env.update(SCC_SECRET_KEY=SECRET, SCC_DYNALITE_PORT=str(port), SCC_TABLE_PREFIX="t-")
        scc = [sys.executable, "-m", "server"]
        init = subprocess.run([*scc, "db", "init"], cwd=ROOT, env=env, capture_output=True)
        assert init.returncode == 0, init.stderr
        added = subprocess.run(
            [*scc, "users", "add", "deck@example.com", "--name", "Deck", "--role", "crew"],
            cwd=ROOT,
            env=env,
            input=b"a-long-enough-passphrase\n",
            capture_output=True,
        )
        assert added.returncode == 0, added.stderr
        settings = Settings.from_env(
            {"SCC_SECRET_KEY": SECRET, "SCC_TABLE_PREFIX": "t-", "SCC_DYNALITE_PORT": str(port)},
            checkout=ROOT,
        )
        from server.store import Store

        assert Store.connect(settings).users.get("deck@example.com") is not None
    finally:
        stop(dynalite)
