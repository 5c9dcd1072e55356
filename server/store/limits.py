"""The limits table: failed sign-in counters per account and per client IP, in fixed
time windows. Counters live in DynamoDB (atomic ADD), so the limit holds however many
app instances serve the requests. `expires_at` is the table's TTL attribute in AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class LimitsRepo:
    """The limits table: failed sign-in counters."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def failures(self, keys: list[str]) -> dict[str, int]:
        """The counters for these keys in one BatchGetItem (missing counts as 0)."""
        # The resource's client (de)serialises plain Python values, like the Table (its
        # stubs promise low-level AttributeValues, hence the annotation of `counters`).
        response = self.table.meta.client.batch_get_item(
            RequestItems={
                self.table.name: {
                    "Keys": [{"limit_key": key} for key in keys],
                    "ConsistentRead": True,
                }
            }
        )
        counters: list[dict[str, Any]] = response.get("Responses", {}).get(self.table.name, [])
        found = {str(item["limit_key"]): int(item.get("failures", 0)) for item in counters}
        return {key: found.get(key, 0) for key in keys}

    def add_failure(self, key: str, expires_at: int) -> int:
        """Count one more failure under `key` (atomic ADD); returns the new count."""
        response = self.table.update_item(
            Key={"limit_key": key},
            UpdateExpression="ADD failures :one SET expires_at = :expires",
            ExpressionAttributeValues={":one": 1, ":expires": expires_at},
            ReturnValues="UPDATED_NEW",
        )
        attributes: dict[str, Any] = response["Attributes"]
        return int(attributes["failures"])

    def clear(self, key: str) -> None:
        """Forget the failures under `key` (after a successful sign-in)."""
        self.table.delete_item(Key={"limit_key": key})
