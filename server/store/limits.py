"""The limits table: failed sign-in counters per account and per client IP, in fixed
time windows. Counters live in DynamoDB (atomic ADD), so the limit holds however many
app instances serve the requests. `expires_at` is the table's TTL attribute in AWS."""

from __future__ import annotations

from typing import Any


class LimitsRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def failures(self, keys: list[str]) -> dict[str, int]:
        """The counters for these keys in one BatchGetItem (missing counts as 0)."""
        # The resource's client (de)serialises plain Python values, like the Table.
        response = self.table.meta.client.batch_get_item(
            RequestItems={
                self.table.name: {
                    "Keys": [{"limit_key": key} for key in keys],
                    "ConsistentRead": True,
                }
            }
        )
        found = {
            str(item["limit_key"]): int(item.get("failures", 0))
            for item in response.get("Responses", {}).get(self.table.name, [])
        }
        return {key: found.get(key, 0) for key in keys}

    def add_failure(self, key: str, expires_at: int) -> int:
        response = self.table.update_item(
            Key={"limit_key": key},
            UpdateExpression="ADD failures :one SET expires_at = :expires",
            ExpressionAttributeValues={":one": 1, ":expires": expires_at},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["failures"])

    def clear(self, key: str) -> None:
        self.table.delete_item(Key={"limit_key": key})
