"""The waivers table: one item per signer, never overwritten. Holds personal data:
nothing here logs item contents."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, cast

from boto3.dynamodb.conditions import ConditionBase, Key

from server.domain.records import Waiver, WaiverMap
from server.domain.waiver_signing import WaiverExists
from server.store.boundary import Repo
from server.store.client import all_items, get_item, put_new, update_if
from server.store.tables import BY_OUTBOX, WAIVERS_BY_TRIP

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

LISTING = "waiver"
__all__ = ["LISTING", "WaiverExists", "WaiversRepo"]


class WaiversRepo(Repo):
    """The waivers table: signed waivers, their check-ins and their owed emails."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, item: WaiverMap) -> None:
        """Store a signed waiver; refuses to overwrite (attribute_not_exists)."""
        if not self._put_new(item):
            raise WaiverExists(item["waiver_id"])

    def _put_new(self, item: WaiverMap) -> bool:
        """Put a waiver unless one with its key is stored (then False)."""
        item = {
            **item,
            "listing": LISTING,
            "trip_key": f"{item['event_date']}#{item['event_id']}#{item['waiver_id']}",
        }
        return put_new(self.table, item, "waiver_id")

    def get(self, event_id: str, waiver_id: str) -> Waiver | None:
        """One waiver as stored now (a consistent read), or None."""
        return cast(
            "Waiver | None", get_item(self.table, {"event_id": event_id, "waiver_id": waiver_id})
        )

    def for_event(self, event_id: str) -> list[Waiver]:
        """Every waiver of one event, oldest reference first (one paginated Query)."""
        waivers = cast(
            "list[Waiver]",
            all_items(
                self.table.query,
                KeyConditionExpression=Key("event_id").eq(event_id),
                ConsistentRead=True,
            ),
        )
        return sorted(waivers, key=lambda w: str(w.get("signed_at", "")))

    def count_for_event(self, event_id: str) -> int:
        """How many waivers (signers) one event has: keys only, one paginated Query."""
        keys = all_items(
            self.table.query,
            KeyConditionExpression=Key("event_id").eq(event_id),
            ProjectionExpression="waiver_id",
            ConsistentRead=True,
        )
        return len(keys)

    def guests_from(self, from_day: str, to_day: str | None = None) -> Counter[str]:
        """Guests covered by a signed waiver (signer + minors), per event, for every
        trip on or after `from_day` (and on or before `to_day`, when given): one
        paginated Query of the by_trip index."""
        listed = Key("listing").eq(LISTING)
        days: ConditionBase = Key("trip_key").gte(from_day)
        if to_day is not None:
            # "~" sorts after the "#" that follows the date in every trip_key.
            days = Key("trip_key").between(from_day, f"{to_day}~")
        signed = all_items(
            self.table.query, IndexName=WAIVERS_BY_TRIP, KeyConditionExpression=listed & days
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
        update_if(
            self.table,
            {"event_id": event_id, "waiver_id": waiver_id},
            "REMOVE outbox",
            "attribute_exists(waiver_id)",
        )

    def set_pdf(self, event_id: str, waiver_id: str, sha256: str, at: str) -> bool:
        """Name the waiver's sealed PDF by its SHA-256, unless one is named already (the
        first stored wins; False then, or when there is no such waiver)."""
        return update_if(
            self.table,
            {"event_id": event_id, "waiver_id": waiver_id},
            "SET pdf_sha256 = :sha, pdf_sealed_at = :at",
            "attribute_exists(waiver_id) AND attribute_not_exists(pdf_sha256)",
            values={":sha": sha256, ":at": at},
        )

    def delete(self, event_id: str, waiver_id: str) -> None:
        """Delete one waiver (only the rename's sweep does, once it has a copy)."""
        self.table.delete_item(Key={"event_id": event_id, "waiver_id": waiver_id})

    def copy_all(self, old: str, new: str) -> None:
        """Put every waiver of event `old` under event `new` too, skipping those copied
        already (a renamed event's waivers; safe to repeat)."""
        for waiver in self.for_event(old):
            self._put_new({**waiver, "event_id": new, "event_date": new[:10]})

    def delete_copied(self, old: str, new: str) -> None:
        """Delete each waiver of `old` whose copy under `new` is confirmed stored."""
        for waiver in self.for_event(old):
            if self.get(new, str(waiver["waiver_id"])) is not None:
                self.delete(old, str(waiver["waiver_id"]))

    def set_checkin(
        self, event_id: str, waiver_id: str, guest: str, checked_in: bool, by: str, at: str
    ) -> bool:
        """Record one guest's check-in; False when there is no such waiver."""
        return update_if(
            self.table,
            {"event_id": event_id, "waiver_id": waiver_id},
            "SET checkins.#guest = :state",
            "attribute_exists(waiver_id)",
            values={":state": {"checked_in": checked_in, "by": by, "at": at}},
            names={"#guest": guest},
        )
