"""Table definitions and `scc db init`: create what is missing, wait until ACTIVE."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from server.settings import Settings
from server.store.client import error_code, make_resource

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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


def _key_schema(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
    """A KeySchema: the partition key, then the sort key if there is one."""
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _index(
    name: str, keys: list[dict[str, str]], projected: str | list[str] = "ALL"
) -> dict[str, Any]:
    """A global secondary index projecting ALL, KEYS_ONLY, or the attributes listed."""
    if isinstance(projected, list):
        projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": projected}
    else:
        projection = {"ProjectionType": projected}
    return {"IndexName": name, "KeySchema": keys, "Projection": projection}


def _table(keys: list[dict[str, str]], *indexes: dict[str, Any]) -> dict[str, Any]:
    """A table's spec: every key attribute (all strings) is defined from the key schemas
    of the table and its indexes, so the two cannot disagree."""
    schemas = [keys, *(index["KeySchema"] for index in indexes)]
    names = dict.fromkeys(key["AttributeName"] for schema in schemas for key in schema)
    spec: dict[str, Any] = {
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in names],
    }
    if indexes:
        spec["GlobalSecondaryIndexes"] = list(indexes)
    return spec


_OWED_INDEX = _index(BY_OUTBOX, _key_schema("outbox"), "KEYS_ONLY")

TABLES: dict[str, dict[str, Any]] = {
    "events": _table(
        _key_schema("event_id"),
        _index(EVENTS_BY_DATE, _key_schema("listing", "starts_at")),
        _OWED_INDEX,
    ),
    "waivers": _table(
        _key_schema("event_id", "waiver_id"),
        _index(WAIVERS_BY_TRIP, _key_schema("listing", "trip_key"), ["guest_count"]),
        _OWED_INDEX,
    ),
    "users": _table(_key_schema("email")),
    "sessions": _table(
        _key_schema("session_key"), _index(SESSIONS_BY_EMAIL, _key_schema("email"), "KEYS_ONLY")
    ),
    "limits": _table(_key_schema("limit_key")),
    "audit": _table(_key_schema("day", "entry_key")),
    "outbox": _table(
        _key_schema("notice_id"), _index(OUTBOX_BY_STATE, _key_schema("state", "created_at"))
    ),
}


# Tables whose items expire by DynamoDB's TTL: the attribute holding the epoch second.
# infra/template.yaml sets the same (tests/test_routing.py); dynalite has no TTL, so
# `scc db init` cannot, and locally nothing expires but what the code checks itself.
TTL = {"sessions": "expires_at", "limits": "expires_at"}


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


def _is_active(client: DynamoDBClient, name: str) -> bool:
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
