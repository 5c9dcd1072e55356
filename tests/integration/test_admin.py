"""The captain's desk against dynalite: events, rename, crew accounts, reconciliation."""

from __future__ import annotations

import csv
import io
import re
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.store import Store
from server.store.rename import STEPS, lint_ids, rename_event
from tests.conftest import HX, JSON, add_event, add_user, sign_in
from tests.helpers.flows import new_event_form
from tests.helpers.typed import found


@pytest.fixture
def captain(client: TestClient, store: Store) -> str:
    return sign_in(client, store, role="captain")


def test_admin_pages_are_for_captains_only(client: TestClient, store: Store) -> None:
    sign_in(client, store, role="crew")
    for path in (
        "/admin/events",
        "/admin/events/new",
        "/admin/crew",
        "/admin/payments",
        "/admin/payments/range",
        "/admin/payments.csv",
        "/admin/events/id-preview",
    ):
        assert client.get(path).status_code == 403, path


def test_id_preview_shows_the_id_or_the_reason(
    client: TestClient, store: Store, captain: str
) -> None:
    add_event(store, first_name="Taken", period="")
    taken_day = store.events.upcoming("2000-01-01")[0]["date"]
    url = "/admin/events/id-preview"
    ok = client.get(
        url, params={"date": "2030-05-23", "first_name": "Zoë", "period": "AM"}, headers=HX
    )
    assert ok.status_code == 200 and "<html" not in ok.text
    assert "<code>2030-05-23-zoe-am</code>" in ok.text
    bad_date = client.get(url, params={"date": "2030-02-30", "first_name": "Zoe"}, headers=HX)
    assert "not a real calendar date" in bad_date.text
    no_name = client.get(url, params={"date": "2030-05-23", "first_name": "42"}, headers=HX)
    assert "first name" in no_name.text
    exists = client.get(url, params={"date": taken_day, "first_name": "Taken"}, headers=HX)
    assert f"An event {taken_day}-taken already exists" in exists.text


def test_captain_creates_an_event_and_crew_see_it(
    client: TestClient, store: Store, captain: str
) -> None:
    response = client.post(
        "/admin/events", data=new_event_form(captain, date=_today(store)), follow_redirects=False
    )
    assert response.status_code == 303
    event_id = f"{_today(store)}-alice-whale"
    assert response.headers["location"] == f"/admin/events/{event_id}/edit?created=1"
    item = store.events.get(event_id)
    assert item is not None and item["total_price"] == Decimal("1200.00")
    assert item["party_size"] == 6 and item["boat"] == "Orca"
    assert event_id in client.get("/dispatch").text
    again = client.post("/admin/events", data=new_event_form(captain, date=_today(store)))
    assert again.status_code == 422 and "already exists" in again.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date": "2030-02-30"}, "date", "not a real calendar date"),
        ({"first_name": ""}, "first_name", "first name"),
        ({"period": "!!"}, "period", "letters and digits"),
        ({"total_price": "abc"}, "total_price", "dollars and cents"),
        ({"start_time": "25:00"}, "start_time", "24-hour"),
        ({"party_size": "-1"}, "party_size", "whole number"),
        ({"capacity": "9999"}, "capacity", "from 1 to 500"),
    ],
)
def test_create_refuses_bad_fields_next_to_the_field(
    client: TestClient,
    store: Store,
    captain: str,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = client.post("/admin/events", data=new_event_form(captain, **fields))
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{message}', response.text)
    assert store.events.scan_all() == []


def test_edit_changes_details_but_never_the_id_or_payments(
    client: TestClient, store: Store, captain: str
) -> None:
    event = add_event(store)
    event_id = event["event_id"]
    client.post(
        f"/api/events/{event_id}/payment",
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "50",
            "method": "cash",
            "csrf_token": captain,
        },
    )
    form = new_event_form(
        captain,
        start_time="14:00",
        boat="",
        total_price="1500",
        date="2031-01-01",
        first_name="Mallory",
    )
    response = client.post(f"/admin/events/{event_id}", data=form, follow_redirects=False)
    assert response.status_code == 303
    item = store.events.get(event_id)
    assert item is not None
    assert item["start_time"] == "14:00" and item["starts_at"].endswith("T14:00")
    assert "boat" not in item  # cleared
    assert item["total_price"] == Decimal("1500.00")
    assert item["date"] == event["date"] and item["patron_first_name"] == "Alice"
    assert len(item["payments"]) == 1
    bad = client.post(f"/admin/events/{event_id}", data={**form, "total_price": "0"})
    assert bad.status_code == 422 and found(store.events.get(event_id))["total_price"] == Decimal(
        "1500"
    )


def test_payments_logged_while_edits_save_are_never_lost(store: Store) -> None:
    event = add_event(store, total_price="100")
    event_id = event["event_id"]
    payments = 60
    stop = threading.Event()

    def edit_repeatedly() -> int:
        edits = 0
        while not stop.is_set():
            details = {
                "start_time": f"{10 + edits % 10:02d}:00",
                "duration_minutes": None,
                "boat": f"Boat {edits}",
                "capacity": 12,
                "meeting_point": None,
                "party_size": 6,
                "total_price": Decimal("100.00"),
                "notes": None,
            }
            assert store.events.update_details(event_id, details)
            edits += 1
        return edits

    results: list[int] = []
    editor = threading.Thread(target=lambda: results.append(edit_repeatedly()))
    editor.start()
    try:
        for i in range(payments):
            entry = {
                "payment_id": str(uuid.uuid4()),
                "kind": "payment",
                "amount": Decimal("1.00"),
                "method": "cash",
                "note": f"#{i}",
            }
            store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
    finally:
        stop.set()
        editor.join()
    item = store.events.get(event_id)
    assert item is not None
    assert results[0] > 5  # edits really interleaved with the payments
    assert len(item["payments"]) == payments
    assert [p["note"] for p in item["payments"]] == [f"#{i}" for i in range(payments)]
    assert item["boat"] == f"Boat {results[0] - 1}"


def test_cancel_and_reinstate(client: TestClient, store: Store, captain: str) -> None:
    event = add_event(store)
    url = f"/admin/events/{event['event_id']}/status"
    assert (
        client.post(
            url, data={"csrf_token": captain, "status": "cancelled"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert found(store.events.get(event["event_id"]))["status"] == "cancelled"
    refused = client.post(
        f"/api/events/{event['event_id']}/payment",
        headers=JSON,
        data={
            "payment_id": str(uuid.uuid4()),
            "amount": "5",
            "method": "cash",
            "csrf_token": captain,
        },
    )
    assert refused.status_code == 422
    client.post(url, data={"csrf_token": captain, "status": "scheduled"})
    assert found(store.events.get(event["event_id"]))["status"] == "scheduled"
    assert client.post(url, data={"csrf_token": captain, "status": "deleted"}).status_code == 400


def _today(store: Store) -> str:
    from server.domain.clock import today_in

    return today_in(store.settings.timezone).isoformat()


def _legacy_event_with_history(store: Store) -> tuple[str, list[str], list[str]]:
    """The operator's kind of item: id `YYYY-MM-DD`, payments and two waivers."""
    old = _today(store)
    payment_ids = [str(uuid.uuid4()) for _ in range(3)]
    store.events.table.put_item(
        Item={
            "event_id": old,
            "date": old,
            "patron_first_name": "Alice",
            "total_price": Decimal("300"),
            "payments": [
                {
                    "payment_id": p,
                    "amount": Decimal("10.00"),
                    "method": "cash",
                    "logged_at": "2026-05-23T17:00:00Z",
                }
                for p in payment_ids
            ],
            "payment_ids": set(payment_ids),
        }
    )
    waiver_ids = []
    for name in ("Ann One", "Bob Two"):
        waiver_id = str(uuid.uuid4())
        waiver_ids.append(waiver_id)
        store.waivers.create(
            {
                "event_id": old,
                "waiver_id": waiver_id,
                "event_date": old,
                "guest_count": 1,
                "full_name": name,
                "signed_at": "x",
            }
        )
    return old, payment_ids, waiver_ids


def _assert_converged(
    store: Store, old: str, new: str, payment_ids: list[str], waiver_ids: list[str]
) -> None:
    stub = store.events.get(old)
    moved = store.events.get(new)
    assert stub is not None and stub["moved_to"] == new and "listing" not in stub
    assert moved is not None and moved["renamed_from"] == old
    assert "renaming_from" not in moved and moved["listing"] == "event"
    assert [p["payment_id"] for p in moved["payments"]] == payment_ids
    assert sorted(w["waiver_id"] for w in store.waivers.for_event(new)) == sorted(waiver_ids)
    assert store.waivers.for_event(old) == []
    assert [e["event_id"] for e in store.events.upcoming(old)] == [new]


@pytest.mark.parametrize("crash_after", STEPS)
def test_rename_rerun_after_a_crash_at_any_step_converges(store: Store, crash_after: str) -> None:
    old, payment_ids, waiver_ids = _legacy_event_with_history(store)
    new = f"{old}-alice"

    def crash(step: str) -> None:
        if step == crash_after:
            raise SystemExit(f"simulated crash after {step}")

    with pytest.raises(SystemExit):
        rename_event(store, old, new, after_step=crash)
    if crash_after in ("freeze", "copy", "waivers", "finalize"):
        # Mid-rename the old event refuses new payments rather than lose them.
        with pytest.raises(Exception, match="renaming"):
            from server.store.events import AppendRefused

            try:
                store.events.append_payment(
                    old, {"payment_id": str(uuid.uuid4()), "amount": Decimal("1")}, 10, 10_000
                )
            except AppendRefused as refused:
                raise RuntimeError(refused.reason) from None
    rename_event(store, old, new)
    _assert_converged(store, old, new, payment_ids, waiver_ids)
    rename_event(store, old, new)  # and once more: nothing changes
    _assert_converged(store, old, new, payment_ids, waiver_ids)


def test_renamed_event_answers_301_at_its_old_id(
    client: TestClient, store: Store, captain: str
) -> None:
    old, _, _ = _legacy_event_with_history(store)
    new = f"{old}-alice"
    listed = client.get("/admin/events").text
    assert f"<code>{old}</code>" in listed and f"<code>{new}</code>" in listed
    page = client.get(f"/admin/events/{old}/edit")
    assert f'value="{new}"' in page.text  # the suggestion is pre-filled
    response = client.post(
        f"/admin/events/{old}/rename",
        data={"csrf_token": captain, "new_id": new},
        follow_redirects=False,
    )
    assert response.status_code == 303
    for path in (
        f"/g/{old}",
        f"/g/{old}/waiver",
        f"/dispatch/events/{old}",
        f"/dispatch/events/{old}/manifest",
    ):
        moved = client.get(path, follow_redirects=False)
        assert moved.status_code == 301, path
        assert moved.headers["location"] == path.replace(old, new)
    bad = client.post(
        f"/admin/events/{new}/rename", data={"csrf_token": captain, "new_id": "2030-01-01"}
    )
    assert bad.status_code == 422 and "breaks the id convention" in bad.text


def test_lint_ids_lists_legacy_ids_with_suggestions(
    store: Store, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.__main__ import main

    add_event(store)
    store.events.table.put_item(Item={"event_id": "2026-05-23", "total_price": Decimal("1")})
    store.events.table.put_item(Item={"event_id": "whale-trip", "total_price": Decimal("1")})
    assert lint_ids(store) == [("2026-05-23", "2026-05-23-guest"), ("whale-trip", None)]
    assert main(["events", "lint-ids"]) == 1
    out = capsys.readouterr().out
    assert "2026-05-23\tsuggested: 2026-05-23-guest" in out
    assert main(["events", "rename", "2026-05-23", "2026-05-23-guest"]) == 0
    assert main(["events", "rename", "whale-trip", "not-an-id"]) == 1
    assert lint_ids(store) == [("whale-trip", None)]


# --- crew accounts -----------------------------------------------------------------


def _login(client: TestClient, email: str, password: str) -> int:
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def test_captain_manages_crew_accounts(client: TestClient, store: Store, captain: str) -> None:
    response = client.post(
        "/admin/crew",
        data={
            "csrf_token": captain,
            "email": "New.Crew@Example.com",
            "name": "New Crew",
            "role": "crew",
            "password": "a long enough password",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert found(store.users.get("new.crew@example.com"))["role"] == "crew"
    refused = client.post(
        "/admin/crew",
        data={
            "csrf_token": captain,
            "email": "x",
            "name": "",
            "role": "admiral",
            "password": "short",
        },
    )
    assert refused.status_code == 422
    for field in ("email", "name", "role", "password"):
        assert f'id="{field}-error"' in refused.text

    with TestClient(client.app) as phone:
        assert _login(phone, "new.crew@example.com", "a long enough password") == 303
        assert phone.get("/dispatch").status_code == 200
        client.post(
            "/admin/crew/password",
            data={
                "csrf_token": captain,
                "email": "new.crew@example.com",
                "password": "another long password",
            },
        )
        assert phone.get("/dispatch", follow_redirects=False).status_code == 303  # signed out
        assert _login(phone, "new.crew@example.com", "a long enough password") == 401
        assert _login(phone, "new.crew@example.com", "another long password") == 303
        client.post(
            "/admin/crew/disable", data={"csrf_token": captain, "email": "new.crew@example.com"}
        )
        assert phone.get("/dispatch", follow_redirects=False).status_code == 303
        assert _login(phone, "new.crew@example.com", "another long password") == 401
        client.post(
            "/admin/crew/enable", data={"csrf_token": captain, "email": "new.crew@example.com"}
        )
        assert _login(phone, "new.crew@example.com", "another long password") == 303
    short = client.post(
        "/admin/crew/password",
        data={"csrf_token": captain, "email": "new.crew@example.com", "password": "short"},
    )
    assert short.status_code == 422 and "at least 12" in short.text


def test_the_last_active_captain_cannot_be_disabled(
    client: TestClient, store: Store, captain: str
) -> None:
    me = next(u["email"] for u in store.users.all() if u["role"] == "captain")
    refused = client.post("/admin/crew/disable", data={"csrf_token": captain, "email": me})
    assert refused.status_code == 409 and "last active captain" in refused.text
    assert found(store.users.get(me))["disabled"] is False
    add_user(store, "second@example.com", role="captain", name="Second Captain")
    done = client.post(
        "/admin/crew/disable",
        data={"csrf_token": captain, "email": "second@example.com"},
        follow_redirects=False,
    )
    assert (
        done.status_code == 303 and found(store.users.get("second@example.com"))["disabled"] is True
    )
    assert (
        client.post(
            "/admin/crew/disable", data={"csrf_token": captain, "email": "nobody@example.com"}
        ).status_code
        == 404
    )


# --- reconciliation ------------------------------------------------------------------


def _entry(amount: str, method: str, who: str, at: str, note: str = "") -> dict[str, Any]:
    return {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal(amount),
        "method": method,
        "note": note,
        "logged_by": f"{who}@example.com",
        "logged_by_name": who.title(),
        "logged_at": at,
    }


def _fixture_day(store: Store) -> None:
    """2030-06-01 in Los Angeles (UTC-7): three crew, three methods, a void, a payment
    just before and one just after local midnight, and a deposit for a later trip."""
    a = add_event(store, first_name="Ann", period="", total_price="1000")["event_id"]
    b = add_event(store, first_name="Ben", period="", total_price="500")["event_id"]
    for event_id, entries in {
        a: [
            _entry("100.10", "cash", "amy", "2030-06-01T16:00:00Z"),
            _entry("250.00", "card", "amy", "2030-06-01T17:00:00Z"),
            _entry("40.05", "check", "bob", "2030-06-01T18:00:00Z"),
            _entry("999.99", "card", "bob", "2030-06-01T19:00:00Z", note="typo"),
            _entry("12.34", "cash", "cat", "2030-06-02T06:59:00Z"),  # 23:59 local: same day
            _entry("77.00", "cash", "cat", "2030-06-02T07:00:00Z"),  # 00:00 next day
        ],
        b: [
            _entry("0.01", "cash", "amy", "2030-06-01T20:00:00Z"),
            _entry("60.00", "card", "cat", "2030-06-01T07:00:00Z"),  # 00:00 local
            _entry("5.50", "check", "cat", "2030-06-01T06:59:59Z"),  # previous day
        ],
    }.items():
        for entry in entries:
            store.events.append_payment(event_id, entry, MAX_ENTRIES, MAX_LEDGER_BYTES)
    typo = next(p for p in found(store.events.get(a))["payments"] if p["note"] == "typo")
    store.events.append_void(
        a,
        {
            "payment_id": str(uuid.uuid4()),
            "kind": "void",
            "voids": typo["payment_id"],
            "reason": "typed twice",
            "logged_by": "cap@example.com",
            "logged_at": "x",
        },
        MAX_ENTRIES,
        MAX_LEDGER_BYTES,
    )


def test_reconciliation_adds_up_to_the_cent(client: TestClient, store: Store, captain: str) -> None:
    from server.domain.reconcile import day_report, logged_payments

    _fixture_day(store)
    report = day_report(
        logged_payments(store.events.scan_all(), store.settings.timezone),
        __import__("datetime").date(2030, 6, 1),
    )
    by = {c.email.split("@")[0]: c for c in report.crew}
    # Hand-computed: amy cash 100.10 + 0.01, card 250.00; bob check 40.05 (card voided);
    # cat cash 12.34, card 60.00.
    assert by["amy"].by_method["cash"].total == Decimal("100.11")
    assert by["amy"].by_method["cash"].count == 2
    assert by["amy"].by_method["card"].total == Decimal("250.00")
    assert by["amy"].total == Decimal("350.11")
    assert by["bob"].by_method["card"].count == 0 and by["bob"].total == Decimal("40.05")
    assert by["cat"].by_method["cash"].total == Decimal("12.34")
    assert by["cat"].by_method["card"].total == Decimal("60.00")
    assert by["cat"].by_method["check"].count == 0
    assert report.totals.by_method["cash"].total == Decimal("112.45")
    assert report.totals.by_method["card"].total == Decimal("310.00")
    assert report.totals.by_method["check"].total == Decimal("40.05")
    assert report.totals.total == Decimal("462.50")
    assert report.totals.count == 6
    assert len(report.payments) == 7  # the voided one is listed, not counted

    page = client.get("/admin/payments", params={"date": "2030-06-01"})
    assert page.status_code == 200
    assert "$462.50" in page.text and "$350.11" in page.text
    assert "<del><strong>$999.99</strong>" in page.text and "typed twice" in page.text
    assert client.get("/admin/payments", params={"date": "2030-13-01"}).status_code == 422


def test_range_view_has_a_chart_and_the_same_numbers_in_a_table(
    client: TestClient, store: Store, captain: str
) -> None:
    _fixture_day(store)
    page = client.get("/admin/payments/range", params={"from": "2030-05-31", "to": "2030-06-02"})
    assert page.status_code == 200
    html = page.text
    assert '<svg role="img"' in html and html.count("<rect ") == 5  # 1 + 3 + 1 methods used
    assert "Sat 1 Jun: card $310.00" in html  # the bar's own label
    # Each day's label and total are printed on the chart, with a value axis.
    assert '<text class="value"' in html and ">$462.50</text>" in html
    assert ">Sat 1 Jun</text>" in html and ">$0</text>" in html
    rows = re.findall(
        r'<th scope="row"><a href="[^"]*date=(2030-0[56]-\d\d)">[^<]*</a></th>(.*?)</tr>',
        html,
        re.S,
    )
    assert [d for d, _ in rows] == ["2030-05-31", "2030-06-01", "2030-06-02"]
    assert "$462.50" in rows[1][1] and "$5.50" in rows[0][1] and "$77.00" in rows[2][1]
    totals = re.search(r'<tr class="totals"><th scope="row">Range total.*?</tr>', html, re.S)
    assert totals is not None and "$545.00" in totals.group(0)
    too_long = client.get(
        "/admin/payments/range", params={"from": "2030-01-01", "to": "2030-12-31"}
    )
    assert too_long.status_code == 422 and "at most 92 days" in too_long.text
    backwards = client.get(
        "/admin/payments/range", params={"from": "2030-06-02", "to": "2030-06-01"}
    )
    assert backwards.status_code == 422


def test_csv_export_round_trips_and_escapes_formulas(
    client: TestClient, store: Store, captain: str
) -> None:
    _fixture_day(store)
    event_id = add_event(store, first_name="Eve", period="", total_price="10")["event_id"]
    store.events.append_payment(
        event_id,
        _entry(
            "1.00",
            "cash",
            "amy",
            "2030-06-01T21:00:00Z",
            note='=HYPERLINK("http://evil","x") café, "quoted"',
        ),
        MAX_ENTRIES,
        MAX_LEDGER_BYTES,
    )
    store.events.append_payment(
        event_id,
        _entry("2.00", "cash", "amy", "2030-06-01T21:01:00Z", note="-5+3"),
        MAX_ENTRIES,
        MAX_LEDGER_BYTES,
    )
    response = client.get("/admin/payments.csv", params={"from": "2030-06-01", "to": "2030-06-01"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 9
    assert sum(Decimal(r["amount"]) for r in rows if r["voided"] == "no") == Decimal("465.50")
    assert all(re.fullmatch(r"\d+\.\d\d", r["amount"]) for r in rows)
    notes = {r["note"] for r in rows}
    assert '\'=HYPERLINK("http://evil","x") café, "quoted"' in notes
    assert "'-5+3" in notes
    assert [r["voided"] for r in rows].count("yes") == 1
    assert {r["time"] for r in rows if r["logged_by"] == "cat@example.com"} == {"00:00", "23:59"}


def test_renaming_onto_an_existing_event_refuses_and_leaves_the_old_one_open(
    store: Store,
) -> None:
    from server.store.rename import RenameError

    old, _, _ = _legacy_event_with_history(store)
    taken = add_event(store, first_name="Alice", period="")["event_id"]
    with pytest.raises(RenameError, match="already exists"):
        rename_event(store, old, taken)
    item = store.events.get(old)
    assert item is not None and "renaming_to" not in item and "moved_to" not in item
    store.events.append_payment(
        old,
        {"payment_id": str(uuid.uuid4()), "amount": Decimal("1")},
        MAX_ENTRIES,
        MAX_LEDGER_BYTES,
    )  # still takes payments


def test_an_overpaid_trip_says_so_in_the_captains_lists(client: TestClient, store: Store) -> None:
    from tests.helpers.flows import pay

    captain = sign_in(client, store, role="captain")
    event = add_event(store, total_price="100")
    assert pay(client, event["event_id"], captain, amount="134.50").status_code == 303
    for page in ("/admin/events", "/admin/payments"):
        text = client.get(page).text
        assert '<span class="overpaid">Overpaid by $34.50</span>' in text, page
        assert "-$34.50" not in text, page
