"""Repositories against a real dynalite."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from server.domain.clock import today_in
from server.domain.rate_limits import Limit
from server.store import Store
from server.store.client import conditional, error_code, update_if
from server.store.events import AppendRefused, EventExists
from server.store.tables import TABLES, TTL, init_tables
from server.store.users import UserExists
from tests.conftest import add_event, add_user, clear_tables, make_settings
from tests.helpers.typed import found

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def test_db_init_creates_every_table_and_is_safe_to_run_twice(dynalite_endpoint: str) -> None:
    settings = make_settings(dynalite_endpoint)  # a new prefix: no table yet
    first = init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    second = init_tables(settings, poll_seconds=0.05, say=lambda _: None)
    assert sorted(first) == sorted(settings.table_name(t) for t in TABLES)
    assert second == []
    client = Store.connect(settings).resource.meta.client
    for table in TABLES:
        status = client.describe_table(TableName=settings.table_name(table))["Table"]
        assert status["TableStatus"] == "ACTIVE"


def test_event_create_never_overwrites(store: Store) -> None:
    item = add_event(store, first_name="Dana")
    with pytest.raises(EventExists):
        store.events.create({**item, "total_price": Decimal("1.00")})
    assert found(store.events.get(item["event_id"]))["total_price"] == Decimal("1200.00")


def test_upcoming_lists_today_first_in_start_order_and_skips_the_past(store: Store) -> None:
    add_event(store, days_ahead=-1, first_name="Yesterday")
    add_event(store, days_ahead=2, first_name="Later", start_time="08:00")
    add_event(store, days_ahead=0, first_name="Evening", start_time="18:00")
    add_event(store, days_ahead=0, first_name="Morning", start_time="07:15")
    upcoming = store.events.upcoming(today_in(store.settings.timezone).isoformat())
    assert [e["patron_first_name"] for e in upcoming] == ["Morning", "Evening", "Later"]


def test_upcoming_reads_every_page(store: Store) -> None:
    # 12 items of 100 KB each cannot come back in one 1 MB query page.
    ids = [add_event(store, first_name=f"p{chr(97 + i)}")["event_id"] for i in range(12)]
    for event_id in ids:
        store.events.table.update_item(
            Key={"event_id": event_id},
            UpdateExpression="SET padding = :p",
            ExpressionAttributeValues={":p": "y" * 100_000},
        )
    assert sorted(e["event_id"] for e in store.events.upcoming("2000-01-01")) == sorted(ids)


def test_a_conditional_write_answers_false_only_when_its_condition_fails(store: Store) -> None:
    event_id = add_event(store, first_name="Gale")["event_id"]
    exists = "attribute_exists(event_id)"
    note = {":note": "kept"}
    assert update_if(
        store.events.table, {"event_id": event_id}, "SET note = :note", exists, values=note
    )
    nobody = {"event_id": "2030-01-01-nobody"}
    assert not update_if(store.events.table, nobody, "SET note = :note", exists, values=note)
    assert dict(found(store.events.get(event_id)))["note"] == "kept"  # not an Event key
    assert store.events.get("2030-01-01-nobody") is None


def test_a_conditional_write_raises_every_other_error(store: Store) -> None:
    missing = store.resource.Table(store.settings.table_name("no-such-table"))
    with pytest.raises(ClientError) as gone:
        conditional(
            lambda: missing.put_item(
                Item={"event_id": "x"}, ConditionExpression="attribute_not_exists(event_id)"
            )
        )
    assert error_code(gone.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as invalid:
        update_if(store.events.table, {"event_id": "x"}, "SET = broken", "attribute_exists(x)")
    assert error_code(invalid.value) == "ValidationException"


def test_append_refusals_say_why(store: Store) -> None:
    item = add_event(store, first_name="Erin")
    entry = {"payment_id": str(uuid.uuid4()), "kind": "payment", "amount": Decimal("5.00")}
    store.events.append_payment(item["event_id"], entry, cap=2, max_bytes=10_000)
    with pytest.raises(AppendRefused) as dup:
        store.events.append_payment(item["event_id"], entry, cap=2, max_bytes=10_000)
    assert dup.value.reason == "duplicate"
    store.events.append_payment(
        item["event_id"], {**entry, "payment_id": str(uuid.uuid4())}, cap=2, max_bytes=10_000
    )
    with pytest.raises(AppendRefused) as full:
        store.events.append_payment(
            item["event_id"], {**entry, "payment_id": str(uuid.uuid4())}, cap=2, max_bytes=10_000
        )
    assert full.value.reason == "full"
    with pytest.raises(AppendRefused) as missing:
        store.events.append_payment("2030-01-01-nobody", entry, cap=2, max_bytes=10_000)
    assert missing.value.reason == "missing"
    assert store.events.get("2030-01-01-nobody") is None


def test_ledger_bytes_cap_refuses_before_the_item_limit(store: Store) -> None:
    from server.domain.payments import entry_bytes

    item = add_event(store, first_name="Fay")
    entry = {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": Decimal("5.00"),
        "note": "n" * 500,
    }
    size = entry_bytes(entry)
    store.events.append_payment(item["event_id"], entry, cap=100, max_bytes=2 * size)
    store.events.append_payment(
        item["event_id"], {**entry, "payment_id": str(uuid.uuid4())}, cap=100, max_bytes=2 * size
    )
    assert found(store.events.get(item["event_id"]))["ledger_bytes"] == 2 * size
    with pytest.raises(AppendRefused) as full:
        store.events.append_payment(
            item["event_id"],
            {**entry, "payment_id": str(uuid.uuid4())},
            cap=100,
            max_bytes=2 * size,
        )
    assert full.value.reason == "full"
    assert len(found(store.events.get(item["event_id"]))["payments"]) == 2


def test_users_are_unique_and_can_be_disabled(store: Store) -> None:
    store.users.create("a@example.com", "A", "crew", "hash", "now")
    with pytest.raises(UserExists):
        store.users.create("a@example.com", "B", "captain", "hash", "now")
    assert found(store.users.get("a@example.com"))["role"] == "crew"
    assert store.users.set_disabled("a@example.com", True)
    assert found(store.users.get("a@example.com"))["disabled"] is True
    assert not store.users.set_disabled("nobody@example.com", True)
    assert store.users.get("nobody@example.com") is None


def test_sessions_of_one_user_end_together(store: Store) -> None:
    user = {"email": "a@example.com", "name": "A", "role": "crew"}
    other = {"email": "b@example.com", "name": "B", "role": "crew"}
    store.sessions.create("k1", user, 1, 2)
    store.sessions.create("k2", user, 1, 2)
    store.sessions.create("k3", other, 1, 2)
    assert store.sessions.delete_for_user("a@example.com") == 2
    assert store.sessions.get("k1") is None and store.sessions.get("k2") is None
    assert store.sessions.get("k3") is not None


def test_every_limits_item_carries_its_ttl_as_epoch_seconds(store: Store) -> None:
    """The limits table's TTL (infra/template.yaml) deletes items by `expires_at`, which
    DynamoDB reads only as a Number of epoch seconds: counters and markers both."""
    now = time.time()
    limit = Limit("sign-in", most=5, window_seconds=600)
    assert store.limits.take([(limit, "key-hash")], now).admitted
    assert store.limits.take_place("trip-signers:x", 12, lambda: 0, int(now) + 60)
    assert store.limits.mark_once("marker-hash", int(now) + 60)
    items = store.limits.table.scan()["Items"]
    assert len(items) == 3  # the counter, the place and the marker
    for item in items:
        expires = item[TTL["limits"]]
        assert isinstance(expires, Decimal) and expires == int(expires)
        assert now < expires < now + 2 * 600 + 60


def test_the_shared_tables_are_emptied_for_each_test(store: Store, cleaner: DynamoDBClient) -> None:
    """The fixtures share one table set a session (tests/conftest.py): what one test
    wrote, even past a page of Scan, is gone before the next test starts."""
    for n in range(30):  # more than one BatchWriteItem's 25 requests
        add_event(store, days_ahead=n)
    add_user(store, "deck@example.com")
    store.audit.record("2030-01-01T10:00:00Z", "deck@example.com", "test", "x")
    names = [store.settings.table_name(t) for t in TABLES]
    assert sum(cleaner.scan(TableName=n, Select="COUNT")["Count"] for n in names) >= 32
    clear_tables(cleaner, store.settings)
    assert [cleaner.scan(TableName=n, Select="COUNT")["Count"] for n in names] == [0] * 7
