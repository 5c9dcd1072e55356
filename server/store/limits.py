"""The limits table: rate-limit counters (see `server.domain.rate_limits`) and one-time
markers. Counters live in DynamoDB (atomic ADD), so a limit holds however many app
instances serve the requests. `expires_at` is the table's TTL attribute in AWS."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from server.domain.rate_limits import Limit
from server.store.client import error_code

# Keys never hold personal data in clear: callers pass hashes of emails.


class LimitsRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def counts(self, keys: list[str]) -> dict[str, int]:
        """The counters for these keys in one BatchGetItem (missing counts as 0)."""
        # The resource's client (de)serialises plain Python values, like the Table.
        response = self.table.meta.client.batch_get_item(
            RequestItems={
                self.table.name: {
                    "Keys": [{"limit_key": key} for key in dict.fromkeys(keys)],
                    "ConsistentRead": True,
                }
            }
        )
        found = {
            str(item["limit_key"]): int(item.get("hits", 0))
            for item in response.get("Responses", {}).get(self.table.name, [])
        }
        return {key: found.get(key, 0) for key in keys}

    def blocked_until(self, checks: list[tuple[Limit, str]], now: float) -> int | None:
        """When the first of these (limit, key) pairs that has been reached ends, or
        None when none has: one read for all of them."""
        keys = [name for limit, key in checks for name, _ in limit.counters(key, now)]
        counts = self.counts(keys)
        ends = [
            end
            for limit, key in checks
            if (end := limit.blocked_until(counts, key, now)) is not None
        ]
        return max(ends) if ends else None

    def hit(self, limit: Limit, key: str, now: float) -> int | None:
        """Count one hit in both of the key's windows; returns when the key may try
        again if this hit reached the limit, else None."""
        ends = []
        for name, end in limit.counters(key, now):
            response = self.table.update_item(
                Key={"limit_key": name},
                UpdateExpression="ADD hits :one SET expires_at = :expires",
                ExpressionAttributeValues={":one": 1, ":expires": end + limit.window_seconds},
                ReturnValues="UPDATED_NEW",
            )
            if int(response["Attributes"]["hits"]) >= limit.most:
                ends.append(end)
        return max(ends) if ends else None

    def take(self, limit: Limit, key: str, now: float) -> bool:
        """Count one hit if both windows are under the limit (atomic, conditional);
        False, counting nothing more, when either is full."""
        for name, end in limit.counters(key, now):
            try:
                self.table.update_item(
                    Key={"limit_key": name},
                    UpdateExpression="ADD hits :one SET expires_at = :expires",
                    ConditionExpression="attribute_not_exists(hits) OR hits < :most",
                    ExpressionAttributeValues={
                        ":one": 1,
                        ":most": limit.most,
                        ":expires": end + limit.window_seconds,
                    },
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    return False
                raise
        return True

    def clear(self, limit: Limit, key: str, now: float) -> None:
        for name, _ in limit.counters(key, now):
            self.table.delete_item(Key={"limit_key": name})

    def mark_once(self, key: str, expires_at: int) -> bool:
        """Set a one-time marker; False if it was already set."""
        try:
            self.table.put_item(
                Item={"limit_key": key, "expires_at": expires_at},
                ConditionExpression="attribute_not_exists(limit_key)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def unmark(self, key: str) -> None:
        self.table.delete_item(Key={"limit_key": key})
