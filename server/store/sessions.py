"""The sessions table: server-side sessions, keyed by the SHA-256 of the cookie value
(so a copy of the table holds no usable session ids)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from server.store.client import all_items, get_item, update
from server.store.tables import SESSIONS_BY_EMAIL

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class SessionsRepo:
    """The sessions table: one item per signed-in browser."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, session_key: str, user: dict[str, Any], now: int, expires_at: int) -> None:
        """Store a new session for `user` (never overwrites one)."""
        self.table.put_item(
            Item={
                "session_key": session_key,
                "email": user["email"],
                "name": user["name"],
                "role": user["role"],
                "created_at": now,
                "last_seen_at": now,
                "expires_at": expires_at,  # also the table's TTL attribute in AWS
            },
            ConditionExpression="attribute_not_exists(session_key)",
        )

    def get(self, session_key: str) -> dict[str, Any] | None:
        """The session with this key, or None (expiry is the caller's to check)."""
        return get_item(self.table, {"session_key": session_key})

    def touch(self, session_key: str, now: int) -> None:
        """Record activity now (for the idle expiry); raises if the session is gone."""
        update(
            self.table,
            {"session_key": session_key},
            "SET last_seen_at = :now",
            "attribute_exists(session_key)",
            values={":now": now},
        )

    def delete(self, session_key: str) -> None:
        """End one session (sign out)."""
        self.table.delete_item(Key={"session_key": session_key})

    def delete_for_user(self, email: str) -> int:
        """End every session of one user (disable, sign out everywhere)."""
        sessions = all_items(
            self.table.query,
            IndexName=SESSIONS_BY_EMAIL,
            KeyConditionExpression=Key("email").eq(email),
        )
        for item in sessions:
            self.delete(item["session_key"])
        return len(sessions)
