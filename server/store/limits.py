"""The limits table: rate-limit counters (see `server.domain.rate_limits`) and one-time
markers. Counters live in DynamoDB (atomic ADD), so a limit holds however many app
instances serve the requests. `expires_at` is the table's TTL attribute in AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

from server.domain.rate_limits import Limit
from server.store.boundary import Repo
from server.store.client import put_new, update_if

# Keys never hold personal data in clear: callers pass hashes of emails.


class LimitsRepo(Repo):
    """The limits table: rate-limit counters and one-time markers."""

    def __init__(self, table: Table) -> None:
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
        # The stubs promise low-level AttributeValues, hence the annotation of `counters`.
        counters: list[dict[str, Any]] = response.get("Responses", {}).get(self.table.name, [])
        found = {str(item["limit_key"]): int(item.get("hits", 0)) for item in counters}
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
            counted: dict[str, Any] = response["Attributes"]
            if int(counted["hits"]) >= limit.most:
                ends.append(end)
        return max(ends) if ends else None

    def take(self, limit: Limit, key: str, now: float) -> bool:
        """Count one hit if both windows are under the limit (atomic, conditional);
        False, counting nothing more, when either is full."""
        for name, end in limit.counters(key, now):
            counted = update_if(
                self.table,
                {"limit_key": name},
                "ADD hits :one SET expires_at = :expires",
                "attribute_not_exists(hits) OR hits < :most",
                values={":one": 1, ":most": limit.most, ":expires": end + limit.window_seconds},
            )
            if not counted:
                return False
        return True

    def clear(self, limit: Limit, key: str, now: float) -> None:
        """Forget the key's counts in both windows (after a successful sign-in)."""
        for name, _ in limit.counters(key, now):
            self.table.delete_item(Key={"limit_key": name})

    def mark_once(self, key: str, expires_at: int) -> bool:
        """Set a one-time marker; False if it was already set."""
        return put_new(self.table, {"limit_key": key, "expires_at": expires_at}, "limit_key")

    def unmark(self, key: str) -> None:
        """Remove a one-time marker (its write did not happen after all)."""
        self.table.delete_item(Key={"limit_key": key})
