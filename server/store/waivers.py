"""The waivers table: one item per signer, never overwritten. Holds personal data:
nothing here logs item contents."""

from __future__ import annotations

from collections import Counter
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from server.store.client import all_items, error_code
from server.store.tables import BY_OUTBOX, WAIVERS_BY_TRIP

LISTING = "waiver"


class WaiverExists(Exception):
    """A waiver with this id is already stored for the event."""


class WaiversRepo:
    def __init__(self, table: Any) -> None:
        self.table = table

    def create(self, item: dict[str, Any]) -> None:
        """Store a signed waiver; refuses to overwrite (attribute_not_exists)."""
        item = {
            **item,
            "listing": LISTING,
            "trip_key": f"{item['event_date']}#{item['event_id']}#{item['waiver_id']}",
        }
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(waiver_id)")
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise WaiverExists(item["waiver_id"]) from None
            raise

    def get(self, event_id: str, waiver_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.table.get_item(
            Key={"event_id": event_id, "waiver_id": waiver_id}, ConsistentRead=True
        ).get("Item")
        return item

    def for_event(self, event_id: str) -> list[dict[str, Any]]:
        """Every waiver of one event, oldest reference first (one paginated Query)."""
        waivers = all_items(
            self.table.query,
            KeyConditionExpression=Key("event_id").eq(event_id),
            ConsistentRead=True,
        )
        return sorted(waivers, key=lambda w: str(w.get("signed_at", "")))

    def guests_from(self, from_day: str) -> Counter[str]:
        """Guests covered by a signed waiver (signer + minors), per event, for every
        trip on or after `from_day`: one paginated Query of the by_trip index."""
        signed = all_items(
            self.table.query,
            IndexName=WAIVERS_BY_TRIP,
            KeyConditionExpression=Key("listing").eq(LISTING) & Key("trip_key").gte(from_day),
        )
        counts: Counter[str] = Counter()
        for item in signed:
            counts[str(item["event_id"])] += int(item.get("guest_count", 1))
        return counts

    def owing_notices(self) -> list[tuple[str, str]]:
        """(event_id, waiver_id) of waivers whose confirmation email is owed."""
        owing = all_items(
            self.table.query, IndexName=BY_OUTBOX, KeyConditionExpression=Key("outbox").eq("owed")
        )
        return [(str(i["event_id"]), str(i["waiver_id"])) for i in owing]

    def clear_notice(self, event_id: str, waiver_id: str) -> None:
        """Drop the owed mark. Conditional: a late stream record for a waiver a rename
        has since moved must not create a keys-only item in its place."""
        try:
            self.table.update_item(
                Key={"event_id": event_id, "waiver_id": waiver_id},
                UpdateExpression="REMOVE outbox",
                ConditionExpression="attribute_exists(waiver_id)",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def delete(self, event_id: str, waiver_id: str) -> None:
        self.table.delete_item(Key={"event_id": event_id, "waiver_id": waiver_id})

    def set_checkin(
        self, event_id: str, waiver_id: str, guest: str, checked_in: bool, by: str, at: str
    ) -> bool:
        """Record one guest's check-in; False when there is no such waiver."""
        try:
            self.table.update_item(
                Key={"event_id": event_id, "waiver_id": waiver_id},
                UpdateExpression="SET checkins.#guest = :state",
                ConditionExpression="attribute_exists(waiver_id)",
                ExpressionAttributeNames={"#guest": guest},
                ExpressionAttributeValues={
                    ":state": {"checked_in": checked_in, "by": by, "at": at}
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
