"""The audit table: append-only records of who did what to personal data and accounts
(put with `attribute_not_exists`, never updated or deleted by the app). Payments need no
extra record: their ledger entries are themselves append-only and carry who and when. A
void gets one too (`payment.voided`), so the captain's audit page says who voided what."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from server.store.boundary import Repo
from server.store.client import all_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class AuditRepo(Repo):
    """The audit table: who did what, one item per action, grouped by day."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, at: str, user: str, action: str, target: str, detail: str = "") -> None:
        """Append one record (a new item every time, never an update)."""
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
        """Every record of one day (YYYY-MM-DD), oldest first."""
        return all_items(self.table.query, KeyConditionExpression=Key("day").eq(day))
