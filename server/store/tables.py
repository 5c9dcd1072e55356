"""Table definitions and `scc db init`: create what is missing, wait until ACTIVE."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from server.settings import Settings
from server.store.client import error_code, make_resource

# Events are listed by date through a sparse index: every event carries
# `listing = "event"` and `starts_at = "YYYY-MM-DDTHH:MM"`, so the dashboard is one
# Query (paginated) however many events there are.
EVENTS_BY_DATE = "by_date"
SESSIONS_BY_EMAIL = "by_email"
# Waivers are listed by trip date the same way (`listing = "waiver"`, `trip_key =
# "YYYY-MM-DD#event_id#waiver_id"`), projecting only the guest count, so the dashboard
# counts every card's signed guests with one Query.
WAIVERS_BY_TRIP = "by_trip"
# A notification owed is marked on the payment's event or on the waiver, in the same
# write (`outbox = "owed"`); this sparse index finds the marked items for the sender.
BY_OUTBOX = "by_outbox"
# Outbox items by delivery state (pending, sent, failed), oldest first.
OUTBOX_BY_STATE = "by_state"

_OWED_INDEX = {
    "IndexName": BY_OUTBOX,
    "KeySchema": [{"AttributeName": "outbox", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}

TABLES: dict[str, dict[str, Any]] = {
    "events": {
        "KeySchema": [{"AttributeName": "event_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "event_id", "AttributeType": "S"},
            {"AttributeName": "listing", "AttributeType": "S"},
            {"AttributeName": "starts_at", "AttributeType": "S"},
            {"AttributeName": "outbox", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": EVENTS_BY_DATE,
                "KeySchema": [
                    {"AttributeName": "listing", "KeyType": "HASH"},
                    {"AttributeName": "starts_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            _OWED_INDEX,
        ],
    },
    "waivers": {
        "KeySchema": [
            {"AttributeName": "event_id", "KeyType": "HASH"},
            {"AttributeName": "waiver_id", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "event_id", "AttributeType": "S"},
            {"AttributeName": "waiver_id", "AttributeType": "S"},
            {"AttributeName": "listing", "AttributeType": "S"},
            {"AttributeName": "trip_key", "AttributeType": "S"},
            {"AttributeName": "outbox", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": WAIVERS_BY_TRIP,
                "KeySchema": [
                    {"AttributeName": "listing", "KeyType": "HASH"},
                    {"AttributeName": "trip_key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["guest_count"]},
            },
            _OWED_INDEX,
        ],
    },
    "users": {
        "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "email", "AttributeType": "S"}],
    },
    "sessions": {
        "KeySchema": [{"AttributeName": "session_key", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "session_key", "AttributeType": "S"},
            {"AttributeName": "email", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": SESSIONS_BY_EMAIL,
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    },
    "limits": {
        "KeySchema": [{"AttributeName": "limit_key", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "limit_key", "AttributeType": "S"}],
    },
    "audit": {
        "KeySchema": [
            {"AttributeName": "day", "KeyType": "HASH"},
            {"AttributeName": "entry_key", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "day", "AttributeType": "S"},
            {"AttributeName": "entry_key", "AttributeType": "S"},
        ],
    },
    "outbox": {
        "KeySchema": [{"AttributeName": "notice_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "notice_id", "AttributeType": "S"},
            {"AttributeName": "state", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": OUTBOX_BY_STATE,
                "KeySchema": [
                    {"AttributeName": "state", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    },
}


def init_tables(
    settings: Settings, *, poll_seconds: float = 1.0, say: Callable[[str], None] = print
) -> list[str]:
    """Create every missing table (on-demand billing) and wait until all are ACTIVE.
    Safe to run twice; returns the names it created."""
    client = make_resource(settings).meta.client
    created = []
    for table, spec in TABLES.items():
        name = settings.table_name(table)
        try:
            client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **spec)
            created.append(name)
            say(f"creating {name}")
        except ClientError as exc:
            if error_code(exc) != "ResourceInUseException":
                raise
    names = [settings.table_name(table) for table in TABLES]
    _wait_until(lambda: all(_is_active(client, name) for name in names), poll_seconds)
    return created


def _is_active(client: Any, name: str) -> bool:
    """The table and every index on it are ACTIVE (the stock waiter ignores indexes)."""
    try:
        table = client.describe_table(TableName=name)["Table"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False
        raise
    indexes = table.get("GlobalSecondaryIndexes", [])
    return table["TableStatus"] == "ACTIVE" and all(i["IndexStatus"] == "ACTIVE" for i in indexes)


def _wait_until(done: Callable[[], bool], poll_seconds: float, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"tables not ready after {timeout} s")
        time.sleep(poll_seconds)
