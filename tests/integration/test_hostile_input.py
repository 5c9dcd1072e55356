"""Hostile input, property-based: every field of every form gets arbitrary Unicode, control
characters and NUL, ~100 KB strings, numbers in every notation, empty values, missing and
repeated fields. Whatever comes in, the app answers 2xx/3xx or a 4xx that says in words
what is wrong, never 5xx; a refusal stores nothing; and what was accepted can be shown.

One store (fresh tables) and one signed-in TestClient per test function, reused across
Hypothesis examples (the `desk`); ids that must be fresh are made per example in the test
body. The client does not re-raise server exceptions, so a crash is the 500 a user gets.
Each `@example` pins an input that once broke the app.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import today_in, utc_iso, utc_now_iso
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.domain.records import Event, EventMap
from server.domain.users import hash_password
from server.domain.waiver_rules import CURRENT_ESIGN, CURRENT_WAIVER, PINNED
from server.store import Store
from tests.conftest import HX, JSON, PASSWORD, add_event, add_user, csrf_from, sign_in

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the store and client are reused on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
HEADER_KINDS = st.sampled_from([{}, HX, JSON])
STRONG_PASSWORD = "tidal-kelp-forest-2031-beacon"


# --- strategies -------------------------------------------------------------------------

# Arbitrary Unicode (Hypothesis never draws surrogates for text), NUL included.
UNICODE = st.text(max_size=200)
CONTROL = st.text(
    alphabet=st.one_of(
        st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]),
        st.sampled_from("\x00\r\n\t\x7f\x85\u200b\u200e\u202e\u2028\u2029\ufeff"),
    ),
    min_size=1,
    max_size=30,
)
WHITESPACE = st.text(alphabet=" \t\r\n\u00a0\u2003\u3000", min_size=1, max_size=10)


def repeated(low: int, high: int) -> st.SearchStrategy[str]:
    """A short random chunk repeated to a length in [low, high] (in code points)."""
    return st.builds(
        lambda chunk, n: (chunk * (n // len(chunk) + 1))[:n],
        st.text(min_size=1, max_size=4),
        st.integers(low, high),
    )


HUGE = repeated(1_000, 100_000)


def near(limit: int) -> st.SearchStrategy[str]:
    """Text just under, at and just over a length limit."""
    return repeated(max(limit - 3, 1), limit + 3)


NUMBER_WORDS = [
    *("0", "-0", "+5", "-5", "$-5", "$ 40", "40$", "1e3", "1E3", "1e-7", "1e400"),
    *("NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "0x10", "0b101", "0o17"),
    *("٤٠", "١٢٣", "١٢٣٫٤٥", "۱۲۳", "１２３", "१२३", "²", "½", "Ⅻ", "①", "1_000", " 12 "),
    *("12.3456", "12.345", "1.", ".5", ".", "$", ",", "1,2,3", ",100", "1,000,00", "−5"),
    *("00000000000000000000000000000040", "9" * 28, "1" * 40, "9" * 400, "40\x00"),
    *("4\u200b0", "4 0", "40.00.00", "1e3.5", "0.001", "99999.999", "100000.01"),
]
NUMBERS = st.one_of(
    st.sampled_from(NUMBER_WORDS),
    st.integers().map(str),
    st.integers(-(10**40), 10**40).map(lambda n: f"{n:,}"),
    st.floats().map(repr),  # nan, inf, 1e+300, -0.0
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=0, max_value=200_000, places=2).map(str),
)
PAYLOADS = st.sampled_from(
    [
        *("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}"),
        *("{% raw %}{{ config }}{% endraw %}", "${7*7}", "javascript:alert(1)"),
        *("'; DROP TABLE events; --", "attribute_exists(event_id)", ":id", "#f0", ".."),
        *("../../etc/passwd", "%00", "%2F", "\\", "//evil.example", "/\\evil.example"),
        *("https://evil.example/", "null", "None", "true", "[]", "{}", "🐋" * 60, "İ", "ß"),
        *("ﬃ", "\u202eevil", "a\x00b", "Zoë 👨‍👩‍👧‍👦", "\U0010ffff"),
    ]
)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            *("0001-01-01", "9999-12-31", "2030-02-30", "2030-13-01", "2030-00-10"),
            *("0000-00-00", "99999-01-01", "20300523", "2030-W21-4", "2030-05-23T09:30"),
            *("2030-05-23 ", "2030-5-3", "٢٠٣٠-٠٥-٢٣", "２０３０-０５-２３", "2030-05-23\x00"),
            *("+2030-05-23", "-2030-05-23", "2030/05/23", "23/05/2030"),
        ]
    ),
)
GENERIC = st.one_of(st.just(""), UNICODE, CONTROL, WHITESPACE, NUMBERS, PAYLOADS, HUGE)
# Query strings: no 100 KB values (the client refuses URLs over 64 KB before sending).
GENERIC_QUERY = st.one_of(st.just(""), UNICODE, CONTROL, WHITESPACE, NUMBERS, PAYLOADS)


def field_value(
    specific: st.SearchStrategy[Any], generic: st.SearchStrategy[Any] = GENERIC
) -> st.SearchStrategy[Any]:
    """One field's value: a string, the field repeated (a list), or None (left out)."""
    one = st.one_of(specific, generic)
    return st.one_of(one, st.lists(one, min_size=2, max_size=3), st.none())


@st.composite
def overrides(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Hostile values for one to three fields (the rest of the form stays valid, so the
    deeper paths run) or, one time in five, for every field at once."""
    names = sorted(fields)
    if draw(st.integers(0, 4)) == 0:
        chosen = names
    else:
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    return {name: draw(field_value(fields[name])) for name in chosen}


UUIDS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids().map(lambda u: f" {u}\x00"),
    st.just("00000000-0000-0000-0000-000000000000"),
)
NAMES = st.one_of(
    st.text(min_size=1, max_size=100),
    near(100),
    st.sampled_from(["Zoë O'Brien-Łukasz", "李小龍", "Ng", "A", "X Æ A-12", "Ｚｏｅ", "ǅemal"]),
)
PHONES = st.one_of(
    st.from_regex(r"\+?[0-9 ().-]{7,25}", fullmatch=True),  # \d: any script's digits
    st.sampled_from(["+1 555 123 4567", "١٢٣٤٥٦٧٨٩", "555-1234\x00", "+" + "1" * 30, "(" * 8]),
)
EMAILS = st.one_of(
    st.emails(),
    st.sampled_from(
        [
            *("a@b.co", "A@EXAMPLE.COM", " a@example.com ", "a@example.com\x00", "@x.io"),
            *("a@", "a@b", "a@b.c", "a b@example.com", "zoë@exämple.com", "a@x.io,b@x.io"),
            *("a\r\nBcc: x@evil.example", "x" * 65 + "@example.com", "a@" + "b" * 250 + ".com"),
        ]
    ),
)
VERSIONS = st.sampled_from(
    [CURRENT_WAIVER, CURRENT_ESIGN, "standard-v2", "STANDARD-V1", "../standard-v1", "", "0"]
)
FLAGS = st.sampled_from(["yes", "no", "YES", "on", "1", "true", " yes "])


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    form = {**base, **changes}
    return {k: v for k, v in form.items() if v is not None}


def replace_tokens(changes: dict[str, Any], tokens: dict[str, str]) -> dict[str, Any]:
    """Put values known only in the test body (a real email, a stored id) in place of
    the placeholders the strategies drew."""

    def swap(value: Any) -> Any:
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, str):
            for token, real in tokens.items():
                value = value.replace(token, real)
        return value

    return {k: swap(v) for k, v in changes.items()}


# --- what every answer must be ------------------------------------------------------------

_HTML_MESSAGE = re.compile(
    r'class="(?:field-error|form-error|warning)"[^>]*>([^<]+)<'  # warning: "depart anyway?"
    r'|<section class="error-page"[^>]*>.*?<p>([^<]+)</p>',
    re.S,
)


def _human(text: str) -> bool:
    """A sentence a person can act on, not a code or a bare status word."""
    return len(text.strip()) >= 10 and re.search(r"[A-Za-z]{2,} [A-Za-z]", text) is not None


def human_messages(response: Any) -> list[str]:
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        found = [body.get("error")] if isinstance(body.get("error"), str) else []
        found += [v for v in (body.get("errors") or {}).values() if isinstance(v, str)]
    else:
        found = [a or b for a, b in _HTML_MESSAGE.findall(response.text)]
    return [m for m in found if _human(m)]


def describe(form: Any) -> str:
    """The input, shortened so a 100 KB field does not flood the report."""

    def short(v: Any) -> Any:
        if isinstance(v, str) and len(v) > 80:
            return f"{v[:40]!r}...({len(v)} chars)"
        return [short(x) for x in v] if isinstance(v, list) else v

    return repr({k: short(v) for k, v in form.items() if k != "csrf_token"})


def refused(response: Any, sent: dict[str, Any]) -> bool:
    """Check the answer's contract; True when it is a refusal (4xx)."""
    status = response.status_code
    assert status < 500, (
        f"server error {status} for input {describe(sent)}:\n" + (response.text[:400])
    )
    if status >= 400:
        assert human_messages(response), (
            f"{status} without a human message for input {describe(sent)}:\n" + response.text[:1500]
        )
        return True
    assert 200 <= status < 400, status
    return False


def renders(client: TestClient, *paths: str) -> None:
    """Whatever was accepted can be shown: no page that displays it answers 5xx."""
    for path in paths:
        response = client.get(path, follow_redirects=False)
        assert response.status_code < 500, (
            f"GET {path} answered {response.status_code} after the input was stored:\n"
            + response.text[:400]
        )


# --- the desk: one store, one signed-in client, one event per test function ---------------


@dataclass
class Desk:
    app: Starlette
    client: TestClient  # signed in as a captain, who may do everything crew may
    store: Store
    token: str  # the client's CSRF token
    event: Event  # a trip today

    @property
    def event_id(self) -> str:
        return str(self.event["event_id"])

    def __repr__(self) -> str:  # keeps Hypothesis's failure reports short
        return f"Desk(captain signed in, event {self.event_id})"


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    app = create_app(store.settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = sign_in(client, store, role="captain")
        yield Desk(app, client, store, token, add_event(store, total_price="1200"))


_fresh = itertools.count(1)


def fresh_letters() -> str:
    """Unique lower-case letters for names made in the test body (never by Hypothesis,
    which may draw the same value twice)."""
    n = next(_fresh) * 1_000_003 + uuid.uuid4().int % 1_000_000
    letters = []
    while n:
        n, r = divmod(n, 26)
        letters.append(string.ascii_lowercase[r])
    return "z" + "".join(letters)


def event_item(store: Store, event_id: str) -> Event:
    item = store.events.get(event_id)
    assert item is not None
    return item


def all_events(store: Store) -> list[Event]:
    return sorted(store.events.scan_all(), key=lambda i: str(i["event_id"]))


def audit_entries(store: Store) -> list[dict[str, Any]]:
    return sorted(store.audit.table.scan().get("Items", []), key=lambda i: str(i["entry_key"]))


def sessions(store: Store) -> list[dict[str, Any]]:
    return list(store.sessions.table.scan().get("Items", []))


def add_payment(store: Store, event_id: str) -> str:
    payment_id = str(uuid.uuid4())
    entry = {
        "payment_id": payment_id,
        "kind": "payment",
        "amount": 40,
        "method": "cash",
        "note": "",
        "logged_by": "captain@example.com",
        "logged_by_name": "Casey Captain",
        "logged_at": utc_now_iso(),
    }
    store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
    return payment_id


def add_waiver(store: Store, event: EventMap, minors: int = 1) -> str:
    waiver_id = str(uuid.uuid4())
    store.waivers.create(
        {
            "event_id": event["event_id"],
            "waiver_id": waiver_id,
            "event_date": event["date"],
            "guest_count": 1 + minors,
            "full_name": "Alice Smith",
            "date_of_birth": "1990-04-21",
            "email": "alice@example.com",
            "phone": "+1 555 123 4567",
            "emergency_name": "Bob Smith",
            "emergency_phone": "555 987 6543",
            "minors": [
                {"name": f"Kid Smith{chr(65 + i)}", "date_of_birth": "2016-03-02"}
                for i in range(minors)
            ],
            "agree_terms": True,
            "esign_consent": True,
            "signature_typed": "Alice Smith",
            "waiver_version": CURRENT_WAIVER,
            "waiver_sha256": PINNED[CURRENT_WAIVER],
            "esign_version": CURRENT_ESIGN,
            "esign_sha256": PINNED[CURRENT_ESIGN],
            "signed_at": utc_now_iso(),
            "ip": "203.0.113.9",
            "user_agent": "test",
            "checkins": {},
        }
    )
    return waiver_id


# --- Log Payment: POST /api/events/{id}/payment -------------------------------------------

PAYMENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "payment_id": UUIDS,
    "amount": NUMBERS,
    "method": st.sampled_from(["cash", "card", "check", "CASH", " cash ", "cash\x00", "bitcoin"]),
    "note": st.one_of(st.text(max_size=500), near(500)),
}


@HYPOTHESIS
@given(changes=overrides(PAYMENT_FIELDS), headers=HEADER_KINDS)
@example(changes={"amount": "9" * 28}, headers=JSON)  # decimal.InvalidOperation
@example(changes={"amount": "1" * 40}, headers={})
def test_log_payment_form(desk: Desk, changes: dict[str, Any], headers: dict[str, str]) -> None:
    base = {
        "csrf_token": desk.token,
        "payment_id": str(uuid.uuid4()),
        "amount": "40",
        "method": "cash",
        "note": "",
    }
    form = merged(base, changes)
    before = event_item(desk.store, desk.event_id)
    response = desk.client.post(
        f"/api/events/{desk.event_id}/payment", data=form, headers=headers, follow_redirects=False
    )
    if refused(response, form):
        assert event_item(desk.store, desk.event_id) == before, f"refusal stored: {describe(form)}"
    else:
        renders(desk.client, "/dispatch", f"/dispatch/events/{desk.event_id}", "/admin/payments")


# --- the waiver: POST /g/{id}/waiver ------------------------------------------------------

WAIVER_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "waiver_id": UUIDS,
    "waiver_version": VERSIONS,
    "esign_version": VERSIONS,
    "minor_rows": st.one_of(
        st.integers(-5, 20).map(str),
        st.sampled_from(["²", "①", "١", "１", "1e1", "0x1", " 2 ", "9" * 30, "1.0"]),
    ),
    "full_name": NAMES,
    "date_of_birth": DATES,
    "email": EMAILS,
    "phone": PHONES,
    "emergency_name": NAMES,
    "emergency_phone": PHONES,
    "agree_terms": FLAGS,
    "esign_consent": FLAGS,
    "signature": NAMES,
    "action": st.sampled_from(
        [
            *("sign", "add_minor", "remove_minor_0", "remove_minor_1", "remove_minor_99"),
            *("remove_minor_", "remove_minor_-1", "remove_minor_²", "remove_minor_x", "SIGN"),
        ]
    ),
    **{
        f"minor_{part}_{i}": (NAMES if part == "name" else DATES)
        for i in (0, 1, 9, 10)
        for part in ("name", "dob")
    },
}


def waiver_base(token: str) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "waiver_id": str(uuid.uuid4()),
        "waiver_version": CURRENT_WAIVER,
        "esign_version": CURRENT_ESIGN,
        "minor_rows": "1",
        "full_name": "Alice Smith",
        "date_of_birth": "1990-04-21",
        "email": "alice@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "minor_name_0": "Tim Smith",
        "minor_dob_0": "2016-03-02",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": "Alice Smith",
        "action": "sign",
    }


@HYPOTHESIS
@given(
    changes=overrides(WAIVER_FIELDS),
    signature_follows_name=st.booleans(),
    headers=st.sampled_from([{}, HX]),
)
@example(changes={"waiver_version": "standard-v2"}, signature_follows_name=False, headers={})
@example(
    changes={"esign_version": "0", "action": "add_minor"}, signature_follows_name=False, headers=HX
)
@example(changes={"minor_rows": "²"}, signature_follows_name=False, headers={})
def test_waiver_form(
    desk: Desk, changes: dict[str, Any], signature_follows_name: bool, headers: dict[str, str]
) -> None:
    form = merged(waiver_base(desk.token), changes)
    if signature_follows_name and "full_name" in form:
        form["signature"] = form["full_name"]  # a hostile name, signed exactly as typed
    before = desk.store.waivers.for_event(desk.event_id)
    response = desk.client.post(
        f"/g/{desk.event_id}/waiver", data=form, headers=headers, follow_redirects=False
    )
    if refused(response, form):
        after = desk.store.waivers.for_event(desk.event_id)
        assert after == before, f"a refusal stored a waiver: {describe(form)}"
    elif response.status_code in (303, 204):  # 204 + HX-Redirect for htmx
        location = response.headers.get("location") or response.headers["hx-redirect"]
        waiver_id = location.rsplit("/", 1)[1]
        renders(
            desk.client,
            location,
            f"/dispatch/events/{desk.event_id}/manifest",
            f"/admin/events/{desk.event_id}/waivers/{waiver_id}",
            "/dispatch",
        )


# --- sign-in: POST /login -----------------------------------------------------------------

REAL = "<real-email>"
LOGIN_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "email": st.one_of(
        EMAILS, st.sampled_from([REAL, REAL.upper(), f"  {REAL}\t", f"{REAL}\x00", REAL * 2])
    ),
    "password": st.one_of(
        st.sampled_from([PASSWORD, PASSWORD.upper(), f" {PASSWORD} ", PASSWORD + "\x00"]),
        st.text(max_size=1100),
        near(1024),
    ),
    "next": st.one_of(
        st.sampled_from(
            [
                *("/dispatch", "/admin/events?tab=past", "//evil.example", "///evil.example"),
                *("/\\evil.example", "\\\\evil.example", "https://evil.example/"),
                *("/%2F%2Fevil.example", "/%5C%5Cevil.example", "/\t/evil.example"),
                *("/\r\nSet-Cookie: a=b", "javascript:alert(1)", " //evil.example"),
                *("/dispatch?x=<script>", "/\u3002evil.example", "/\u2215/evil.example"),
            ]
        ),
        UNICODE.map(lambda s: "/" + s),
    ),
}
_addresses = itertools.count(1)


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # once: Argon2 is slow on purpose


def _same_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@HYPOTHESIS
@given(changes=overrides(LOGIN_FIELDS))
@example(changes={"next": "/\t/evil.example"})
@example(changes={"email": REAL.upper(), "next": "//evil.example"})
def test_sign_in_form(desk: Desk, changes: dict[str, Any]) -> None:
    """Each example is a new visitor (its own client IP and account), so the throttle
    answers 429 only when one example fails too often itself; 429 with its message is a
    fine refusal. The failure counters it writes are the throttle, not stored input."""
    store = desk.store
    email = f"crew-{fresh_letters()}@example.com"
    store.users.create(email, "Pat Crew", "crew", password_hash(), utc_now_iso())
    n = next(_addresses)
    ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    with TestClient(desk.app, raise_server_exceptions=False, client=(ip, 40000)) as visitor:
        token = csrf_from(visitor.get("/login").text)
        base = {"csrf_token": token, "email": email, "password": PASSWORD, "next": "/dispatch"}
        form = merged(base, replace_tokens(changes, {REAL: email}))
        users, signed_in = store.users.all(), sessions(store)
        response = visitor.post("/login", data=form, follow_redirects=False)
        if refused(response, form):
            assert store.users.all() == users and sessions(store) == signed_in, (
                f"a refused sign-in stored a session or changed an account: {describe(form)}"
            )
        else:
            location = response.headers["location"]
            assert _same_site(location), f"sign-in redirects off-site to {location!r}"
            assert len(sessions(store)) == len(signed_in) + 1


# --- the captain: create POST /admin/events, edit POST /admin/events/{id} -----------------

COUNTS = st.one_of(NUMBERS, st.integers(-10, 2000).map(str))
EVENT_TEXT = st.one_of(st.text(max_size=200), near(200))
DETAIL_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "start_time": st.one_of(
        st.sampled_from(
            [
                *("09:30", "00:00", "23:59", "24:00", "9:30", "09:60", "0٩:30", "09:30:00"),
                *("12:00\x00", "12h30", ""),
            ]
        ),
        st.times().map(lambda t: t.isoformat()),
    ),
    "duration_minutes": COUNTS,
    "boat": EVENT_TEXT,
    "capacity": COUNTS,
    "meeting_point": EVENT_TEXT,
    "party_size": COUNTS,
    "total_price": NUMBERS,
    "notes": st.one_of(st.text(max_size=300), near(2000)),
}
CREATE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "date": DATES,
    "first_name": st.one_of(
        NAMES, st.sampled_from(["Zoë", "Łukasz", "ßtefan", "Ærin", "O'Neil", "李", "١٢", "a" * 31])
    ),
    "period": st.one_of(
        st.sampled_from(["", "AM", "whale watch", "sunset-2", "🐋", "a" * 21, "x" * 201]), UNICODE
    ),
    **DETAIL_FIELDS,
}


def event_base(token: str) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "date": "2030-05-23",
        "first_name": fresh_letters(),
        "period": "whale",
        "start_time": "09:30",
        "duration_minutes": "180",
        "boat": "Orca",
        "capacity": "12",
        "meeting_point": "Dock B",
        "party_size": "6",
        "total_price": "1,200.00",
        "notes": "",
    }


def event_pages(event_id: str, day: str) -> list[str]:
    """Every page that shows an event's fields."""
    return [
        "/admin/events",
        "/admin/events?tab=past",
        "/dispatch",
        f"/dispatch/events/{event_id}",
        f"/dispatch/events/{event_id}/manifest",
        f"/dispatch/events/{event_id}/payment",
        f"/admin/events/{event_id}/edit",
        f"/g/{event_id}",
        f"/g/{event_id}/waiver",
        f"/admin/payments?date={quote(day)}",
    ]


@HYPOTHESIS
@given(changes=overrides(CREATE_FIELDS))
@example(changes={"total_price": "9" * 28})  # decimal.InvalidOperation
@example(changes={"date": "9999-12-31"})  # the trip's waiver page: OverflowError
def test_create_event_form(desk: Desk, changes: dict[str, Any]) -> None:
    store = desk.store
    form = merged(event_base(desk.token), changes)
    before, audit = all_events(store), audit_entries(store)
    response = desk.client.post("/admin/events", data=form, follow_redirects=False)
    if refused(response, form):
        assert all_events(store) == before, f"a refusal stored an event: {describe(form)}"
        assert audit_entries(store) == audit
        return
    known = {str(i["event_id"]) for i in before}
    [created] = [i for i in all_events(store) if str(i["event_id"]) not in known]
    renders(desk.client, *event_pages(str(created["event_id"]), str(created["date"])))


@HYPOTHESIS
@given(changes=overrides(DETAIL_FIELDS))
@example(changes={"total_price": "9" * 28})  # decimal.InvalidOperation
def test_edit_event_form(desk: Desk, changes: dict[str, Any]) -> None:
    store, event_id = desk.store, desk.event_id
    base = {k: v for k, v in event_base(desk.token).items() if k in ("csrf_token", *DETAIL_FIELDS)}
    form = merged(base, changes)
    before, audit = event_item(store, event_id), audit_entries(store)
    response = desk.client.post(f"/admin/events/{event_id}", data=form, follow_redirects=False)
    if refused(response, form):
        assert event_item(store, event_id) == before, f"a refusal changed it: {describe(form)}"
        assert audit_entries(store) == audit
    else:
        renders(desk.client, *event_pages(event_id, str(desk.event["date"])))


# --- the captain: rename POST /admin/events/{id}/rename -----------------------------------

TAKEN, SAME = "<taken-id>", "<same-id>"
RENAME_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "new_id": st.one_of(
        st.from_regex(r"2030-05-23-[a-z]{1,30}(-[a-z0-9]{1,20})?", fullmatch=True),
        st.from_regex(r"\d{4}-\d{2}-\d{2}-[a-z]{1,30}", fullmatch=True),  # any script's digits
        st.sampled_from(
            [
                *(TAKEN, SAME, TAKEN.upper(), f" {TAKEN} ", "2030-05-23-", "2030-05-23-a-"),
                *("2030-05-24-alice", "2030-02-30-alice", "2030-05-23-ALICE", "2030-05-23-İ"),
                *("٢٠٣٠-٠٥-٢٣-alice", "2030-05-23-alice-sunset-extra", "2030-05-23-ﬃ"),
                *("2030-05-23-" + "a" * 31, "2030-05-23-alice-" + "b" * 21),
            ]
        ),
    ),
}


@pytest.fixture
def taken(store: Store) -> str:
    """An event already stored on the day the renamed events are on."""
    return str(add_event(store, first_name="Taken", period="", date="2030-05-23")["event_id"])


@HYPOTHESIS
@given(changes=overrides(RENAME_FIELDS))
@example(changes={"new_id": TAKEN})  # refused, but the event is left frozen (renaming_to)
def test_rename_form(desk: Desk, taken: str, changes: dict[str, Any]) -> None:
    store = desk.store
    old = add_event(store, first_name=fresh_letters(), period="", date="2030-05-23")
    old_id = old["event_id"]
    add_waiver(store, old)
    add_payment(store, old_id)
    form = merged(
        {"csrf_token": desk.token, "new_id": f"2030-05-23-{fresh_letters()}"},
        replace_tokens(changes, {TAKEN: taken, SAME: old_id}),
    )
    before, audit = all_events(store), audit_entries(store)
    waivers = store.waivers.for_event(old_id)
    response = desk.client.post(f"/admin/events/{old_id}/rename", data=form, follow_redirects=False)
    if refused(response, form):
        after = all_events(store)
        changed = [
            {k: b.get(k) for k in {*a, *b} if a.get(k) != b.get(k)}
            for a, b in zip(before, after, strict=False)
            if a != b
        ]
        assert after == before, f"a refused rename changed {changed} for input {describe(form)}"
        assert store.waivers.for_event(old_id) == waivers
        assert audit_entries(store) == audit
    else:
        new_id = response.headers["location"].split("/")[3]
        renders(desk.client, f"/dispatch/events/{old_id}", *event_pages(new_id, "2030-05-23"))


# --- the captain: void POST /api/events/{id}/payments/{pid}/void --------------------------

PAYMENT, VOIDED = "<payment-id>", "<voided-id>"
VOID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "void_id": UUIDS,
    "reason": st.one_of(st.text(max_size=500), near(500)),
}
TARGETS = st.one_of(
    st.sampled_from([PAYMENT, VOIDED, PAYMENT.upper()]),
    st.uuids().map(str),
    UNICODE,
    CONTROL,
    NUMBERS,
    PAYLOADS,
)


@pytest.fixture
def voided(desk: Desk) -> str:
    """A payment on the desk's event that is already voided."""
    payment_id = add_payment(desk.store, desk.event_id)
    void = {
        "payment_id": str(uuid.uuid4()),
        "kind": "void",
        "voids": payment_id,
        "reason": "typo",
        "logged_by": "captain@example.com",
        "logged_by_name": "Casey Captain",
        "logged_at": utc_now_iso(),
    }
    desk.store.events.append_void(desk.event_id, void, MAX_ENTRIES + 50, MAX_LEDGER_BYTES + 50_000)
    return payment_id


@HYPOTHESIS
@given(changes=overrides(VOID_FIELDS), target=TARGETS, headers=HEADER_KINDS)
@example(changes={"reason": ""}, target=VOIDED, headers={})  # 422, message shown nowhere
@example(changes={"reason": ""}, target=str(uuid.UUID(int=7)), headers=HX)
def test_void_form(
    desk: Desk, voided: str, changes: dict[str, Any], target: str, headers: dict[str, str]
) -> None:
    store, event_id = desk.store, desk.event_id
    payment_id = add_payment(store, event_id)
    target = replace_tokens({"t": target}, {PAYMENT: payment_id, VOIDED: voided})["t"]
    base = {"csrf_token": desk.token, "void_id": str(uuid.uuid4()), "reason": "typo"}
    form = merged(base, changes)
    before = event_item(store, event_id)
    url = f"/api/events/{event_id}/payments/{quote(target, safe='')}/void"
    response = desk.client.post(url, data=form, headers=headers, follow_redirects=False)
    sent = {**form, "payment id in the path": target}
    if refused(response, sent):
        assert event_item(store, event_id) == before, f"a refusal stored: {describe(sent)}"
    else:
        renders(desk.client, f"/dispatch/events/{event_id}", "/admin/payments", "/dispatch")


# --- check-in: POST /dispatch/events/{id}/manifest/checkin --------------------------------

WAIVER = "<waiver-id>"
GUESTS = {"signer", "minor-0"}  # the seeded waiver: one adult and one minor
CHECKIN_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "waiver_id": st.one_of(st.sampled_from([WAIVER, WAIVER.upper(), f" {WAIVER} "]), UUIDS),
    "guest": st.sampled_from(
        [
            *("signer", "minor-0", "minor-1", "minor-5", "minor-", "minor-²", "minor-١"),
            *("minor--1", "minor-00", "SIGNER", "minor-" + "9" * 400, "checkins", "#guest"),
            *("signer.checked_in", "minor-0[0]"),
        ]
    ),
    "checked_in": FLAGS,
}


@pytest.fixture
def waiver_id(desk: Desk) -> str:
    return add_waiver(desk.store, desk.event, minors=1)


@HYPOTHESIS
@given(changes=overrides(CHECKIN_FIELDS), headers=HEADER_KINDS)
@example(changes={"guest": "minor-5"}, headers=HX)  # StopIteration: 500
@example(changes={"guest": "minor-5"}, headers={})  # 303, a check-in for nobody is stored
def test_check_in_form(
    desk: Desk, waiver_id: str, changes: dict[str, Any], headers: dict[str, str]
) -> None:
    store, event_id = desk.store, desk.event_id
    base = {"csrf_token": desk.token, "waiver_id": waiver_id, "guest": "signer"}
    form = merged({**base, "checked_in": "yes"}, replace_tokens(changes, {WAIVER: waiver_id}))
    before = store.waivers.for_event(event_id)
    response = desk.client.post(
        f"/dispatch/events/{event_id}/manifest/checkin",
        data=form,
        headers=headers,
        follow_redirects=False,
    )
    if refused(response, form):
        assert store.waivers.for_event(event_id) == before, f"refusal stored: {describe(form)}"
        return
    stored = store.waivers.get(event_id, waiver_id)
    after = set(stored.get("checkins", {}) if stored is not None else {})
    earlier = set(next(w for w in before if w["waiver_id"] == waiver_id).get("checkins", {}))
    nobody = after - earlier - GUESTS
    assert not nobody, (
        f"answered {response.status_code} and stored a check-in for {nobody}, guests this "
        f"waiver does not have, for input {describe(form)}"
    )
    renders(desk.client, f"/dispatch/events/{event_id}/manifest", "/dispatch")


# --- crew accounts: add POST /admin/crew, reset POST /admin/crew/password -----------------

PASSWORDS = st.one_of(
    st.sampled_from(
        [
            *(STRONG_PASSWORD, "password1234", "aaaaaaaaaaaa", "abcabcabcabc", "short", ""),
            *("\x00" * 12, "🐋🐳🐬🦈🐟🐠🐡🦑🐙🦀🦞🐚"),
        ]
    ),
    st.text(min_size=10, max_size=40),
    near(1024),
)
CREW_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "email": EMAILS,
    "name": NAMES,
    "role": st.sampled_from(["crew", "captain", "CAPTAIN", "admin", " crew", "crew\x00"]),
    "password": PASSWORDS,
}


@HYPOTHESIS
@given(changes=overrides(CREW_FIELDS))
def test_add_crew_form(desk: Desk, changes: dict[str, Any]) -> None:
    store = desk.store
    base = {
        "csrf_token": desk.token,
        "email": f"crew-{fresh_letters()}@example.com",
        "name": "Pat Crew",
        "role": "crew",
        "password": STRONG_PASSWORD,
    }
    form = merged(base, changes)
    users, audit = store.users.all(), audit_entries(store)
    response = desk.client.post("/admin/crew", data=form, follow_redirects=False)
    if refused(response, form):
        assert store.users.all() == users, f"a refusal stored an account: {describe(form)}"
        assert audit_entries(store) == audit
    else:
        renders(desk.client, "/admin/crew", "/admin/crew?done=added")


BOAT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": st.one_of(NAMES, near(60)),
    "number": st.one_of(UNICODE, near(40)),
    "passengers": COUNTS,
    "min_crew": COUNTS,
    "description": st.one_of(UNICODE, near(200)),
    "home_port": st.one_of(UNICODE, near(80)),
}


@HYPOTHESIS
@given(changes=overrides(BOAT_FIELDS))
@example(changes={"passengers": "٦"})
def test_boat_form(desk: Desk, changes: dict[str, Any]) -> None:
    """Issue 26 item 5: the captain's boat form."""
    store = desk.store
    base = {"csrf_token": desk.token, "name": "Sea Otter", "passengers": "6", "min_crew": "1"}
    form = merged(base, changes)
    boats = store.boats.all()
    response = desk.client.post("/admin/boats", data=form, follow_redirects=False)
    if refused(response, form):
        assert store.boats.all() == boats, f"a refusal stored a boat: {describe(form)}"
    else:
        (added,) = [b for b in store.boats.all() if b not in boats]
        renders(desk.client, "/admin/boats", f"/admin/boats/{added.boat_id}/edit")


TARGET = "<target-email>"
RESET_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "email": st.one_of(
        st.sampled_from([TARGET, TARGET.upper(), f"  {TARGET}\n", f"{TARGET}\x00"]), EMAILS
    ),
    "password": PASSWORDS,
}


@pytest.fixture
def target(store: Store) -> str:
    """The crew account whose password the captain resets."""
    return add_user(store, f"deckhand-{fresh_letters()}@example.com")


@HYPOTHESIS
@given(changes=overrides(RESET_FIELDS))
@example(changes={"email": ""})
@example(changes={"email": "x" * 3000})
def test_password_reset_form(desk: Desk, target: str, changes: dict[str, Any]) -> None:
    store = desk.store
    form = merged(
        {"csrf_token": desk.token, "email": target, "password": STRONG_PASSWORD},
        replace_tokens(changes, {TARGET: target}),
    )
    users, audit = store.users.all(), audit_entries(store)
    response = desk.client.post("/admin/crew/password", data=form, follow_redirects=False)
    if refused(response, form):
        assert store.users.all() == users, f"a refusal changed an account: {describe(form)}"
        assert audit_entries(store) == audit
    else:
        renders(desk.client, "/admin/crew")


# --- reconciliation: GET /admin/payments, /admin/payments/range, /admin/payments.csv ------

QUERY_DATES = field_value(DATES, GENERIC_QUERY)


@HYPOTHESIS
@given(day=QUERY_DATES, start=QUERY_DATES, end=QUERY_DATES)
@example(day="0001-01-01", start=None, end=None)  # OverflowError: the previous-day link
@example(day="9999-12-31", start=None, end=None)  # OverflowError: the next-day link
def test_reconciliation_query_params(desk: Desk, day: Any, start: Any, end: Any) -> None:
    store = desk.store
    add_payment(store, desk.event_id)
    before, audit = all_events(store), audit_entries(store)
    queries = [
        ("/admin/payments", {"date": day}),
        ("/admin/payments/range", {"from": start, "to": end}),
        ("/admin/payments.csv", {"from": start, "to": end}),
        ("/admin/audit", {"date": day}),
    ]
    for path, params in queries:
        sent = {k: v for k, v in params.items() if v is not None}
        response = desk.client.get(path, params=sent, follow_redirects=False)
        refused(response, {"GET": path, **sent})
    assert all_events(store) == before and audit_entries(store) == audit


# --- a void of a void; the audit page and whatever the tables hold (issue 24, item 5) -------


def stored_void(store: Store, event_id: str, target: str, *, legacy: bool = False) -> str:
    """A void of `target` written straight to the table; `legacy`: as an app that kept
    no `void_ids` (so only the ledger says it is a void)."""
    void_id = str(uuid.uuid4())
    entry = {
        "payment_id": void_id,
        "kind": "void",
        "voids": target,
        "reason": "typo",
        "logged_by": "captain@example.com",
        "logged_at": utc_now_iso(),
    }
    adds = "payment_ids :id, voided_ids :target" + ("" if legacy else ", void_ids :id")
    store.events.table.update_item(
        Key={"event_id": event_id},
        UpdateExpression=f"SET payments = list_append(payments, :new) ADD {adds}",
        ExpressionAttributeValues={":new": [entry], ":id": {void_id}, ":target": {target}},
    )
    return void_id


@pytest.mark.parametrize("legacy", [False, True], ids=["void", "older void"])
@pytest.mark.parametrize("headers", [{}, HX, JSON], ids=["no JS", "htmx", "JSON"])
def test_a_void_of_a_void_is_refused_with_a_message(
    desk: Desk, headers: dict[str, str], legacy: bool
) -> None:
    store, event_id = desk.store, desk.event_id
    payment_id = add_payment(store, event_id)
    if legacy:
        void_id = stored_void(store, event_id, payment_id, legacy=True)
    else:
        voided = desk.client.post(
            f"/api/events/{event_id}/payments/{payment_id}/void",
            data={"csrf_token": desk.token, "void_id": str(uuid.uuid4()), "reason": "typo"},
            headers=JSON,
        )
        assert voided.status_code == 201
        void_id = next(
            str(e["payment_id"])
            for e in event_item(store, event_id)["payments"]
            if e.get("kind") == "void"
        )
    before = event_item(store, event_id)
    for path in (
        f"/api/events/{event_id}/payments/{void_id}/void",
        f"/dispatch/events/{event_id}/payments/{void_id}/void",
    ):
        form = {"csrf_token": desk.token, "void_id": str(uuid.uuid4()), "reason": "again"}
        response = desk.client.post(path, data=form, headers=headers, follow_redirects=False)
        assert response.status_code == 404, response.text[:400]
        assert any("only a payment can be voided" in m for m in human_messages(response))
    assert event_item(store, event_id) == before
    confirm = desk.client.get(f"/dispatch/events/{event_id}/payments/{void_id}/void")
    assert confirm.status_code == 404


def audit_row(day: str, key: str, **fields: Any) -> dict[str, Any]:
    return {"day": day, "entry_key": f"{key}#{uuid.uuid4().hex}", **fields}


def test_the_audit_page_shows_any_stored_entry_whatever_its_shape(desk: Desk) -> None:
    store, event_id = desk.store, desk.event_id
    payment_id = add_payment(store, event_id)
    void_id = stored_void(store, event_id, payment_id)
    void_of_void = stored_void(store, event_id, void_id, legacy=True)  # what was accepted once
    day = today_in(store.settings.timezone).isoformat()
    now = utc_now_iso()
    now_day = now[:10]
    rows = [
        audit_row(
            now_day,
            now,
            at=now,
            user="x@example.com",
            action="payment.voided",
            target=f"{event_id}/{void_id}",
        ),  # the void of a void's own record
        audit_row(
            now_day,
            now,
            at=now,
            user="x@example.com",
            action="payment.voided",
            target=f"{event_id}/{void_of_void}",
        ),
        audit_row(now_day, now, at=now, action="payment.refunded", target=event_id),  # unknown
        audit_row(now_day, now, at=now),  # only a moment
        audit_row(now_day, now, at=now, action=7, user={"a", "b"}, target=Decimal("1.5")),
        audit_row(now_day, now, at=now, action="waiver.opened", target="a/b/c"),
        audit_row(now_day, now, at=now, action="waiver.opened", target=f"{event_id}/"),
        audit_row(now_day, now, at=now, action="event.edited", target="x" * 3000),
        audit_row(now_day, now, at=now, action="event.edited", target="a/b"),
        audit_row(now_day, now, at=now, action="event.renamed", target="", detail="../../x"),
        audit_row(
            now_day,
            now,
            at=now,
            action="trip.departed",
            target=event_id,
            detail="back by 9999-99-99T99:99:99Z",
        ),
        audit_row(now_day, now, at=now, action="account.added", target="", detail=None),
        audit_row(now_day, now, at=now, action="payment.voided", target="/"),
        audit_row(day, "garbage", at="sometime", action="event.created", target=event_id),
        audit_row(day, "none", action="event.created", target=event_id),  # no moment at all
    ]
    page = desk.client.get("/admin/audit", params={"date": day})
    assert page.status_code == 200
    shown = page.text.count('<li class="payment">')
    for row in rows:
        store.audit.table.put_item(Item=row)
    page = desk.client.get("/admin/audit", params={"date": day})
    assert page.status_code == 200, page.text[:400]
    assert page.text.count('<li class="payment">') == shown + len(rows)
    assert "voided a void (a void of a void changes no money) on trip" in page.text
    assert "time unknown" in page.text and "recorded payment.refunded for" in page.text
    assert 'datetime="sometime"' not in page.text and 'datetime=""' not in page.text
    renders(desk.client, f"/dispatch/events/{event_id}", "/admin/payments", "/dispatch")


# --- the float plan: depart, running late, back at the dock (issue 24, item 7) ---------------

TIMES_OF_DAY = st.one_of(
    st.sampled_from(
        [
            *(
                "15:30",
                "00:00",
                "23:59",
                "24:00",
                "9:30",
                "09:60",
                "٠٩:٣٠",
                "１５:３０",
                "15:30:00",
            ),
            *("2030-05-23T15:30", "9999-12-31T23:59", "0001-01-01T00:00", "2030-02-30T10:00"),
            *("2030-05-23T15:30Z", "2030-05-23 15:30", "15h30", "now", "+1h", "15:30\x00"),
        ]
    ),
    st.times().map(lambda t: t.isoformat(timespec="minutes")),
    st.datetimes().map(lambda t: t.isoformat(timespec="minutes")),
)
DEPART_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "departure_id": UUIDS,
    "expected_back": TIMES_OF_DAY,
    "area": st.one_of(st.text(max_size=200), near(120)),
    "crew": st.one_of(EMAILS, st.just("<captain>")),
    "master": st.one_of(EMAILS, st.just("<captain>")),
    "orientation": FLAGS,
    "confirm_empty": FLAGS,
}


def fresh_trip(store: Store) -> str:
    """A trip today, not departed, with a name no other example uses."""
    return str(add_event(store, first_name=fresh_letters(), period="")["event_id"])


@HYPOTHESIS
@given(changes=overrides(DEPART_FIELDS), headers=HEADER_KINDS)
@example(changes={"expected_back": "9999-12-31T23:59"}, headers={})  # OverflowError once
@example(changes={"expected_back": "0001-01-01T00:00"}, headers=JSON)
def test_depart_form(desk: Desk, changes: dict[str, Any], headers: dict[str, str]) -> None:
    store = desk.store
    event_id = fresh_trip(store)
    captain = next(str(u["email"]) for u in store.users.all() if u.get("role") == "captain")
    base = {
        "csrf_token": desk.token,
        "departure_id": str(uuid.uuid4()),
        "expected_back": "15:30",
        "area": "Outer bay",
        "crew": captain,
        "master": captain,
        "orientation": "yes",
        "confirm_empty": "yes",
    }
    form = merged(base, replace_tokens(changes, {"<captain>": captain}))
    before = event_item(store, event_id)
    response = desk.client.post(
        f"/dispatch/events/{event_id}/depart", data=form, headers=headers, follow_redirects=False
    )
    if refused(response, form):
        assert event_item(store, event_id) == before, f"a refusal stored: {describe(form)}"
    else:
        renders(
            desk.client, f"/dispatch/events/{event_id}", "/dispatch", *event_pages(event_id, "")
        )


DEPARTURE, STORED_BACK = "<departure-id>", "<stored-back>"
RETURNS = st.one_of(
    st.sampled_from(
        [
            *(STORED_BACK, f" {STORED_BACK} ", STORED_BACK.lower(), "soon", "", "Z"),
            *("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2030-02-30T10:00:00Z"),
            *("2030-05-23T10:00:00", "2030-05-23T10:00:00+05:00", "2030-05-23", "10:00"),
            *("٢٠٣٠-٠٥-٢٣T10:00:00Z", "2030-05-23T25:00:00Z", "2030-05-23T10:00:00.5Z"),
        ]
    ),
    DATES,
    st.datetimes().map(lambda t: t.isoformat() + "Z"),
)
FINISH_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "departure_id": st.one_of(
        st.sampled_from([DEPARTURE, DEPARTURE.upper(), f" {DEPARTURE}\x00"]), UUIDS
    ),
    "from": st.sampled_from(["dispatch", "", "trip", "//evil.example", "DISPATCH"]),
}


def departed_trip(store: Store) -> tuple[str, dict[str, Any]]:
    """A trip out at sea, departed as the app records it."""
    from tests.helpers.flows import departure

    event_id = fresh_trip(store)
    now = time.time()
    plan = departure(expected_back=utc_iso(now + 3600), departed_at=utc_iso(now))
    store.events.depart(event_id, plan)
    return event_id, plan


def finish(desk: Desk, action: str, changes: dict[str, Any], headers: dict[str, str]) -> None:
    """POST Running late or Back at the dock for a fresh departed trip with `changes`."""
    store = desk.store
    event_id, plan = departed_trip(store)
    tokens = {DEPARTURE: plan["departure_id"], STORED_BACK: plan["expected_back"]}
    base = {
        "csrf_token": desk.token,
        "departure_id": plan["departure_id"],
        "expected_back": plan["expected_back"],
        "from": "trip",
    }
    form = merged(base, replace_tokens(changes, tokens))
    if action == "back":
        form.pop("expected_back", None)
    before, audit = event_item(store, event_id), audit_entries(store)
    response = desk.client.post(
        f"/dispatch/events/{event_id}/{action}", data=form, headers=headers, follow_redirects=False
    )
    if refused(response, form):
        assert event_item(store, event_id) == before, f"a refusal stored: {describe(form)}"
        assert audit_entries(store) == audit
    else:
        renders(desk.client, f"/dispatch/events/{event_id}", "/dispatch")


@HYPOTHESIS
@given(changes=overrides({**FINISH_FIELDS, "expected_back": RETURNS}), headers=HEADER_KINDS)
@example(changes={"expected_back": "soon"}, headers={})  # ValueError: 500 once
@example(changes={"expected_back": "9999-12-31T23:59:59Z"}, headers=JSON)  # OverflowError
@example(changes={"expected_back": "2030-05-23T10:00:00"}, headers=HX)  # naive vs aware
def test_running_late_form(desk: Desk, changes: dict[str, Any], headers: dict[str, str]) -> None:
    finish(desk, "late", changes, headers)


@HYPOTHESIS
@given(changes=overrides(FINISH_FIELDS), headers=HEADER_KINDS)
def test_back_at_the_dock_form(
    desk: Desk, changes: dict[str, Any], headers: dict[str, str]
) -> None:
    finish(desk, "back", changes, headers)


def test_the_void_append_itself_refuses_a_void_of_a_void(desk: Desk) -> None:
    """The conditional append itself refuses it: no read beforehand is needed."""
    from server.domain.payments import Refusal
    from server.store.events import AppendRefused

    store, event_id = desk.store, desk.event_id
    payment_id = add_payment(store, event_id)
    void = {
        "payment_id": str(uuid.uuid4()),
        "kind": "void",
        "voids": payment_id,
        "reason": "typo",
        "logged_by": "captain@example.com",
        "logged_at": utc_now_iso(),
    }
    store.events.append_void(event_id, void, MAX_ENTRIES + 50, MAX_LEDGER_BYTES + 50_000)
    before = event_item(store, event_id)
    again = {**void, "payment_id": str(uuid.uuid4()), "voids": void["payment_id"]}
    with pytest.raises(AppendRefused) as refused:
        store.events.append_void(event_id, again, MAX_ENTRIES + 50, MAX_LEDGER_BYTES + 50_000)
    assert refused.value.reason is Refusal.NOT_A_PAYMENT
    assert event_item(store, event_id) == before
