"""Security, round three (issue 24): IPv6 clients behind CloudFront, a sliding window
that holds however tries are timed, and the known-device rule. The races (items 2, 3)
are in tests/test_concurrency.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.rate_limits import (
    BUCKET_SECONDS,
    SIGN_IN_ACCOUNT,
    SIGN_IN_ACCOUNT_AND_IP,
    SIGN_IN_KNOWN_DEVICE,
    TRIP_MISSES_PER_IP,
    Limit,
    ip_key,
)
from server.settings import Settings
from server.store import Store
from server.store.tables import init_tables
from server.web.auth import attempt_sign_in, sign_in_limits
from server.web.client_address import client_ip
from tests.conftest import PASSWORD, add_event, add_user, csrf_from, make_settings
from tests.helpers.flows import signer, waiver_form

ORIGIN_SECRET = "s" * 40

# --- 1. the client IP: the port is always split off; IPv6 counts per /64 ----------------


def _request(settings: Settings, headers: dict[str, str], peer: str = "10.1.2.3") -> Request:
    class App:
        class state:  # noqa: N801 - mirrors `app.state`
            pass

    App.state.settings = settings  # type: ignore[attr-defined]
    scope = {
        "type": "http",
        "app": App,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (peer, 50000),
    }
    return Request(scope)


@pytest.fixture
def behind_cloudfront(dynalite_endpoint: str) -> Settings:
    return make_settings(dynalite_endpoint, SCC_ORIGIN_SECRET=ORIGIN_SECRET)


@pytest.mark.parametrize(
    ("viewer", "ip"),
    [
        ("192.0.2.10:5678", "192.0.2.10"),
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8::1:46532", "2001:db8::1"),  # CloudFront's IPv6 form: no brackets
        ("2001:db8:0:0:0:0:0:1:443", "2001:db8::1"),  # one spelling of each address
        ("2001:DB8::A:B:1234", "2001:db8::a:b"),
        ("[2001:db8::1]:46532", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::ffff:192.0.2.10:80", "::ffff:c000:20a"),
        ("not an address:80", "10.1.2.3"),  # the socket peer then
    ],
)
def test_the_viewer_address_loses_its_port_in_every_form(
    behind_cloudfront: Settings, viewer: str, ip: str
) -> None:
    headers = {"CloudFront-Viewer-Address": viewer, "X-Origin-Verify": ORIGIN_SECRET}
    assert client_ip(_request(behind_cloudfront, headers)) == ip


def test_the_viewer_address_needs_the_origin_secret(
    behind_cloudfront: Settings, settings: Settings
) -> None:
    viewer = {"CloudFront-Viewer-Address": "2001:db8::1:46532"}
    assert client_ip(_request(behind_cloudfront, {**viewer, "X-Origin-Verify": "x"})) == "10.1.2.3"
    assert client_ip(_request(settings, {**viewer, "X-Origin-Verify": ORIGIN_SECRET})) == (
        "10.1.2.3"
    )
    assert client_ip(_request(settings, {}, peer="2001:DB8::0:7")) == "2001:db8::7"


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:db8::ffff:ffff:ffff:ffff", "2001:db8::/64"),  # the same host
        ("2001:db8:0:1::1", "2001:db8:0:1::/64"),  # the next /64: another host
        ("::ffff:192.0.2.10", "192.0.2.10"),  # IPv4 carried in IPv6
        ("testclient", "testclient"),
    ],
)
def test_limits_count_an_ipv6_host_by_its_64(ip: str, key: str) -> None:
    assert ip_key(ip) == key


@pytest.fixture
def cloudfront(behind_cloudfront: Settings) -> Iterator[tuple[TestClient, Store]]:
    init_tables(behind_cloudfront, poll_seconds=0.05, say=lambda _: None)
    store = Store.connect(behind_cloudfront)
    app = create_app(behind_cloudfront, store)
    with TestClient(app, headers={"X-Origin-Verify": ORIGIN_SECRET}) as client:
        yield client, store


def _from_64(i: int) -> dict[str, str]:
    """A new address of one /64 on a new port each time, as CloudFront reports it."""
    return {"CloudFront-Viewer-Address": f"2001:db8:5:7:{i:x}::{i + 1:x}:{40000 + i}"}


def test_ipv6_link_guesses_from_one_64_on_new_ports_hit_429(
    cloudfront: tuple[TestClient, Store],
) -> None:
    client, store = cloudfront
    event = add_event(store)
    for i in range(TRIP_MISSES_PER_IP.most):
        assert client.get("/g/2030-01-01-guess", headers=_from_64(i)).status_code == 404
    blocked = client.get(f"/g/{event['event_id']}", headers=_from_64(999))
    assert blocked.status_code == 429
    # Another /64 (another household) is not blocked.
    other = {"CloudFront-Viewer-Address": "2001:db8:5:8::1:40000"}
    assert client.get(f"/g/{event['event_id']}", headers=other).status_code == 200


def test_ipv6_wrong_passwords_from_one_64_on_new_ports_lock_the_account(
    cloudfront: tuple[TestClient, Store],
) -> None:
    client, store = cloudfront
    add_user(store, "ana@example.com")
    statuses = []
    for i in range(SIGN_IN_ACCOUNT_AND_IP.most + 1):
        token = csrf_from(client.get("/login").text)
        password = PASSWORD if i == SIGN_IN_ACCOUNT_AND_IP.most else "wrong password"
        answer = client.post(
            "/login",
            data={"email": "ana@example.com", "password": password, "csrf_token": token},
            headers=_from_64(i),
            follow_redirects=False,
        )
        statuses.append(answer.status_code)
    assert statuses == [401] * (SIGN_IN_ACCOUNT_AND_IP.most - 1) + [429, 429]


def test_the_stored_waiver_ip_has_no_port(cloudfront: tuple[TestClient, Store]) -> None:
    client, store = cloudfront
    event = add_event(store)
    data = signer(waiver_form(client, event["event_id"]), name="Real Guest")
    viewer = {"CloudFront-Viewer-Address": "2001:db8::1:46532"}
    answer = client.post(
        f"/g/{event['event_id']}/waiver", data=data, headers=viewer, follow_redirects=False
    )
    assert answer.status_code == 303
    [waiver] = store.waivers.for_event(event["event_id"])
    assert waiver["ip"] == "2001:db8::1"


# --- 8. a real sliding window: no span of the window ever holds more than `most` -----


def _most_in_any_window(times: list[float], window: int) -> int:
    return max((sum(1 for u in times if t <= u < t + window) for t in times), default=0)


@pytest.mark.parametrize("offset", [-7, 443, 449])
def test_no_span_of_the_window_admits_more_than_the_limit(store: Store, offset: int) -> None:
    """A try every 10 s for an hour, starting just before a boundary of the old scheme's
    windows (a quarter hour, or its half): the two overlapping fixed windows let 6 of 5
    through within 900 s this way, and twice the limit within 451 s with bursts timed at
    their boundaries. Each admitted try also counts for at most a minute more than the
    window, so the key gets its tries back."""
    limit = Limit("probe", 5, 900)
    start = (1_900_000_000 // 900 + 1) * 900 + offset
    admitted = [
        float(now)
        for now in range(start, start + 3600, 10)
        if store.limits.take([(limit, "one-key")], now).admitted
    ]
    assert _most_in_any_window(admitted, limit.window_seconds) == limit.most
    # The key tries again as soon as its oldest try leaves: one batch per 15-16 minutes.
    assert len(admitted) >= limit.most * 3600 // (limit.window_seconds + BUCKET_SECONDS)


def test_bursts_at_the_old_boundaries_get_no_more_than_the_limit(store: Store) -> None:
    limit = Limit("probe", 30, 900)
    boundary = (1_900_000_000 // 900 + 1) * 900
    admitted = []
    for burst in (boundary - 1, boundary + 449, boundary + 450, boundary + 899):
        admitted += [burst] * sum(
            store.limits.take([(limit, "one-key")], burst).admitted for _ in range(limit.most)
        )
    assert _most_in_any_window([float(t) for t in admitted], limit.window_seconds) == limit.most
    assert len(admitted) == limit.most


def test_a_refusal_names_the_moment_the_key_is_free(store: Store) -> None:
    limit = Limit("probe", 2, 900)
    base = float((1_900_000_000 // 60) * 60)
    assert store.limits.take([(limit, "k")], base + 10).admitted
    last = store.limits.take([(limit, "k")], base + 130)
    assert last.admitted and last.until == base + 960  # the first try's minute leaves
    refused = store.limits.take([(limit, "k")], base + 500)
    assert not refused.admitted and refused.until == base + 960
    assert not store.limits.take([(limit, "k")], base + 959).admitted
    assert store.limits.take([(limit, "k")], base + 960).admitted


def test_a_refused_try_counts_nowhere(store: Store) -> None:
    small, large = Limit("small", 1, 900), Limit("large", 10, 900)
    now = 1_900_000_000.0
    assert store.limits.take([(small, "k")], now).admitted
    for _ in range(5):  # refused by `small`: `large` gives its count back each time
        assert not store.limits.take([(large, "k"), (small, "k")], now).admitted
    assert sum(store.limits.buckets([large.item_key("k")])[large.item_key("k")].values()) == 0


# --- 9. the known device gets the owner past the account-wide lock ---------------------


def _sign_in(client: TestClient, ip: str, email: str, password: str) -> Any:
    client.cookies.delete("scc_session")  # a fresh sign-in, keeping the device's cookie
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers={"CloudFront-Viewer-Address": f"{ip}:40000"},
        follow_redirects=False,
    )


def _lock_the_account(store: Store, email: str) -> None:
    """10 IPs x 5 failed sign-ins (each a real Argon2 check): the account-wide limit."""
    now = time.time()
    ips = SIGN_IN_ACCOUNT.most // SIGN_IN_ACCOUNT_AND_IP.most
    for i in range(ips):
        for _ in range(SIGN_IN_ACCOUNT_AND_IP.most):
            attempt_sign_in(store, email, "wrong", f"203.0.113.{i}", now)
    assert attempt_sign_in(store, email, PASSWORD, "203.0.113.200", now).locked_until


def _fill_the_account_limit(store: Store, email: str) -> None:
    """The account-wide counter as `_lock_the_account` leaves it, without 50 Argon2s."""
    [_, account, _] = sign_in_limits(email, "203.0.113.1", None)
    now = time.time()
    for _ in range(SIGN_IN_ACCOUNT.most):
        assert store.limits.take([account], now).admitted
    assert attempt_sign_in(store, email, PASSWORD, "203.0.113.200", now).locked_until


def test_the_account_lock_stops_new_devices_but_not_a_known_one(
    cloudfront: tuple[TestClient, Store],
) -> None:
    owner, store = cloudfront
    add_user(store, "captain@example.com", role="captain")
    assert _sign_in(owner, "198.51.100.1", "captain@example.com", PASSWORD).status_code == 303
    owner.post("/logout", data={"csrf_token": csrf_from(owner.get("/dispatch").text)})
    _lock_the_account(store, "captain@example.com")
    app = owner.app
    with TestClient(app, headers={"X-Origin-Verify": ORIGIN_SECRET}) as stranger:
        new_device = _sign_in(stranger, "198.51.100.2", "captain@example.com", PASSWORD)
        assert new_device.status_code == 429
    # The owner's phone, on a network it never used: through.
    assert _sign_in(owner, "192.0.2.77", "captain@example.com", PASSWORD).status_code == 303


def test_a_known_device_still_meets_the_per_ip_limit(
    cloudfront: tuple[TestClient, Store],
) -> None:
    owner, store = cloudfront
    add_user(store, "captain@example.com", role="captain")
    assert _sign_in(owner, "198.51.100.1", "captain@example.com", PASSWORD).status_code == 303
    statuses = [
        _sign_in(owner, "192.0.2.88", "captain@example.com", "wrong").status_code
        for _ in range(SIGN_IN_ACCOUNT_AND_IP.most)
    ]
    assert statuses[-1] == 429
    assert _sign_in(owner, "192.0.2.88", "captain@example.com", PASSWORD).status_code == 429


def test_a_known_device_has_its_own_failure_limit(
    cloudfront: tuple[TestClient, Store],
) -> None:
    """A stolen known-device cookie buys no unlimited guessing over many IPs."""
    device, store = cloudfront
    add_user(store, "captain@example.com", role="captain")
    assert _sign_in(device, "198.51.100.1", "captain@example.com", PASSWORD).status_code == 303
    per_ip = SIGN_IN_ACCOUNT_AND_IP.most
    for ip in range(SIGN_IN_KNOWN_DEVICE.most // per_ip):
        for _ in range(per_ip):
            _sign_in(device, f"192.0.2.{ip}", "captain@example.com", "wrong")
    assert _sign_in(device, "192.0.2.200", "captain@example.com", PASSWORD).status_code == 429
    # The device's failures are its own: a new device is not locked by them.
    with TestClient(device.app, headers={"X-Origin-Verify": ORIGIN_SECRET}) as other:
        assert _sign_in(other, "192.0.2.201", "captain@example.com", PASSWORD).status_code == 303


def test_the_known_device_cookie_is_bound_to_its_account_and_signed(
    cloudfront: tuple[TestClient, Store],
) -> None:
    device, store = cloudfront
    add_user(store, "ben@example.com")
    add_user(store, "captain@example.com", role="captain")
    assert _sign_in(device, "198.51.100.1", "ben@example.com", PASSWORD).status_code == 303
    cookie = device.cookies.get("scc_device")
    assert cookie and "ben" not in cookie and "@" not in cookie
    _fill_the_account_limit(store, "captain@example.com")
    # A device Ben signed in on is not the captain's.
    assert _sign_in(device, "192.0.2.5", "captain@example.com", PASSWORD).status_code == 429
    # Nor is a forged entry for the captain.
    device_id, entry = cookie.split(".")[:2]
    day, _, mac = entry.partition("-")
    device.cookies.set("scc_device", f"{device_id}.{day}-{'0' * len(mac)}.{entry}")
    assert _sign_in(device, "192.0.2.6", "captain@example.com", PASSWORD).status_code == 429


def test_a_shared_tablet_knows_each_account_that_signed_in_on_it(
    cloudfront: tuple[TestClient, Store],
) -> None:
    tablet, store = cloudfront
    add_user(store, "ben@example.com")
    add_user(store, "captain@example.com", role="captain")
    assert _sign_in(tablet, "198.51.100.1", "captain@example.com", PASSWORD).status_code == 303
    assert _sign_in(tablet, "198.51.100.1", "ben@example.com", PASSWORD).status_code == 303
    _fill_the_account_limit(store, "captain@example.com")
    _fill_the_account_limit(store, "ben@example.com")
    assert _sign_in(tablet, "192.0.2.9", "captain@example.com", PASSWORD).status_code == 303
    assert _sign_in(tablet, "192.0.2.9", "ben@example.com", PASSWORD).status_code == 303


def test_the_known_device_cookie_is_long_lived_and_host_only_over_https(
    dynalite_endpoint: str,
) -> None:
    settings = make_settings(dynalite_endpoint, SCC_BASE_URL="https://crew.example.com")
    init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    store = Store.connect(settings)
    add_user(store, "ana@example.com")
    app = create_app(settings, store)
    with TestClient(app, base_url="https://crew.example.com") as client:
        token = csrf_from(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
    assert answer.status_code == 303
    (cookie,) = [c for c in answer.headers.get_list("set-cookie") if "scc_device=" in c]
    assert cookie.startswith("__Host-scc_device=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Max-Age=34560000" in cookie  # 400 days
