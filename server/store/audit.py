"""The audit table: append-only records of who did what to personal data and accounts
(put with `attribute_not_exists`, never updated or deleted by the app). Payments and
voids need no extra record: their ledger entries are themselves append-only and carry
who and when."""

from __future__ import annotations

import uuid
from typing import Any

from boto3.dynamodb.conditions import Key

from server.store.client import all_items


class AuditRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def record(self, at: str, user: str, action: str, target: str, detail: str = "") -> None:
        self.table.put_item(
            Item={
                "day": at[:10],
                "entry_key": f"{at}#{uuid.uuid4().hex}",
                "at": at,
                "user": user,
                "action": action,
                "target": target,
                "detail": detail,
            },
            ConditionExpression="attribute_not_exists(entry_key)",
        )

    def on_day(self, day: str) -> list[dict[str, Any]]:
        return all_items(self.table.query, KeyConditionExpression=Key("day").eq(day))
