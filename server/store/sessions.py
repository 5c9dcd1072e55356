"""The sessions table: server-side sessions, keyed by the SHA-256 of the cookie value
(so a copy of the table holds no usable session ids)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from server.store.client import all_items
from server.store.tables import SESSIONS_BY_EMAIL


class SessionsRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def create(self, session_key: str, user: dict[str, Any], now: int, expires_at: int) -> None:
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
        item: dict[str, Any] | None = self.table.get_item(
            Key={"session_key": session_key}, ConsistentRead=True
        ).get("Item")
        return item

    def touch(self, session_key: str, now: int) -> None:
        self.table.update_item(
            Key={"session_key": session_key},
            UpdateExpression="SET last_seen_at = :now",
            ConditionExpression="attribute_exists(session_key)",
            ExpressionAttributeValues={":now": now},
        )

    def delete(self, session_key: str) -> None:
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
