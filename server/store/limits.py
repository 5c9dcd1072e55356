"""The limits table: rate-limit counters (see `server.domain.rate_limits`), plain
counters of places (a trip's signers) and one-time markers. Every try is admitted by one
conditional write whose answer decides, so a limit holds under any number of parallel
requests and app instances. `expires_at` is the table's TTL attribute in AWS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

from server.domain.rate_limits import BUCKET_SECONDS, Limit, Spent, Taken, bucket_of
from server.store.boundary import Repo
from server.store.client import conditional, put_new, update_if

# Keys never hold personal data in clear: callers pass hashes of emails.

# A rate-limit item holds one attribute per minute bucket: `m<minute since the epoch>`.
BUCKET_PREFIX = "m"
# Writes that lose to a neighbouring minute's write (a clock a little behind or ahead)
# read again and retry; after this many the try is refused (fail closed).
ATTEMPTS = 4


def _buckets(item: dict[str, Any]) -> dict[int, int]:
    return {
        int(name[len(BUCKET_PREFIX) :]): int(hits)
        for name, hits in item.items()
        if name.startswith(BUCKET_PREFIX) and name[len(BUCKET_PREFIX) :].isdigit()
    }


class LimitsRepo(Repo):
    """The limits table: rate-limit counters, counters of places and one-time markers."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # --- rate limits over a sliding window --------------------------------------------

    def buckets(self, keys: Sequence[str]) -> dict[str, dict[int, int]]:
        """The minute buckets of these limit items in one consistent BatchGetItem."""
        # The resource's client (de)serialises plain Python values, like the Table.
        response = self.table.meta.client.batch_get_item(
            RequestItems={
                self.table.name: {
                    "Keys": [{"limit_key": key} for key in dict.fromkeys(keys)],
                    "ConsistentRead": True,
                }
            }
        )
        # The stubs promise low-level AttributeValues, hence the annotation of `items`.
        items: list[dict[str, Any]] = response.get("Responses", {}).get(self.table.name, [])
        found = {str(item["limit_key"]): _buckets(item) for item in items}
        return {key: found.get(key, {}) for key in keys}

    def take(self, checks: Sequence[tuple[Limit, str]], now: float) -> Taken:
        """Count one try against every (limit, key) pair, or against none: one read of
        them all, then one conditional write per limit. A limit that refuses gives back
        what the others counted."""
        names = [limit.item_key(key) for limit, key in checks]
        seen = self.buckets(names)
        spent: list[Spent] = []
        ends: list[int] = []
        for (limit, _), name in zip(checks, names, strict=True):
            admitted, counted, until = self._take_one(limit, name, seen[name], now)
            if not admitted:
                self.give_back(spent)
                return Taken(False, until)
            spent.append(counted)
            if until is not None:
                ends.append(until)
        return Taken(True, max(ends) if ends else None, tuple(spent))

    def _take_one(
        self, limit: Limit, name: str, counts: dict[int, int], now: float
    ) -> tuple[bool, Spent, int | None]:
        """One conditional ADD to the current minute's bucket. It holds only while that
        bucket is below the room the other buckets leave and no other bucket of the
        window grew since they were read (a try counted by a clock a little behind or
        ahead), so the write's answer decides: parallel tries cannot together pass the
        limit. Such a write reads again and retries."""
        for _ in range(ATTEMPTS):
            # Never count behind a newer minute another instance already counted in.
            bucket = max([bucket_of(now), *counts])
            until = limit.free_at(counts, bucket)
            if until is not None:
                return False, (name, ""), until
            others = {at: hits for at, hits in counts.items() if at != bucket}
            room = limit.most - limit.counted(others, bucket)
            attribute = f"{BUCKET_PREFIX}{bucket}"
            names = {"#now": attribute}
            values: dict[str, Any] = {
                ":one": 1,
                ":room": room,
                ":expires": (bucket + limit.buckets) * BUCKET_SECONDS,
            }
            unchanged = []
            for at in range(bucket - limit.buckets + 1, bucket + 2):
                if at == bucket:
                    continue
                names[f"#b{at}"] = f"{BUCKET_PREFIX}{at}"
                if at in counts:
                    values[f":b{at}"] = counts[at]
                    unchanged.append(f"#b{at} <= :b{at}")  # given back is still safe
                else:
                    unchanged.append(f"attribute_not_exists(#b{at})")
            expression = "ADD #now :one SET expires_at = :expires"
            stale = [at for at in counts if at < bucket - limit.buckets + 1]
            if stale:
                for at in stale:
                    names[f"#old{at}"] = f"{BUCKET_PREFIX}{at}"
                expression += " REMOVE " + ", ".join(f"#old{at}" for at in stale)
            condition = " AND ".join(["(attribute_not_exists(#now) OR #now < :room)", *unchanged])
            written = self._count(name, expression, condition, names, values)
            if written is not None:
                # The bucket as written, parallel tries included: whether this try took
                # the last place is exact.
                after = {**others, bucket: written}
                return True, (name, attribute), limit.free_at(after, bucket)
            counts = self.buckets([name])[name]
        return False, (name, ""), int(now) + BUCKET_SECONDS

    def _count(
        self,
        name: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> int | None:
        """One conditional UpdateItem of a limit item: the current bucket's count after
        it, or None when its condition did not hold."""
        counted = conditional(
            lambda: self.table.update_item(
                Key={"limit_key": name},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
            )
        )
        if counted is None:
            return None
        attributes: dict[str, Any] = dict(counted["Attributes"])
        return int(attributes[names["#now"]])

    def give_back(self, spent: Sequence[Spent]) -> None:
        """Uncount tries that were taken but did not happen (another limit refused, the
        write they guarded failed, or they were not failures after all)."""
        for name, attribute in spent:
            update_if(
                self.table,
                {"limit_key": name},
                "ADD #b :minus",
                "#b > :zero",
                values={":minus": -1, ":zero": 0},
                names={"#b": attribute},
            )

    def clear(self, limit: Limit, key: str) -> None:
        """Forget every try of this key (after a successful sign-in)."""
        self.table.delete_item(Key={"limit_key": limit.item_key(key)})

    # --- places: a plain counter with a ceiling -----------------------------------------

    def take_place(self, key: str, most: int, stored: Callable[[], int], expires_at: int) -> bool:
        """Take one of `most` places (one conditional write); False when all are taken.
        A counter not written yet starts from `stored()`, what was stored before it
        existed (a trip's first signer, or a trip older than its counter)."""
        values: dict[str, Any] = {":one": 1, ":most": most, ":expires": expires_at}
        if update_if(
            self.table,
            {"limit_key": key},
            "ADD hits :one SET expires_at = :expires",
            "hits < :most",
            values=values,
        ):
            return True
        start = stored()  # full, or no counter yet
        if start >= most:
            return False
        return update_if(
            self.table,
            {"limit_key": key},
            "SET hits = if_not_exists(hits, :start) + :one, expires_at = :expires",
            "attribute_not_exists(hits) OR hits < :most",
            values={**values, ":start": start},
        )

    def give_back_place(self, key: str) -> None:
        """Return a place whose write did not happen after all."""
        update_if(
            self.table,
            {"limit_key": key},
            "ADD hits :minus",
            "hits > :zero",
            values={":minus": -1, ":zero": 0},
        )

    # --- one-time markers ---------------------------------------------------------------

    def mark_once(self, key: str, expires_at: int) -> bool:
        """Set a one-time marker; False if it was already set."""
        return put_new(self.table, {"limit_key": key, "expires_at": expires_at}, "limit_key")

    def unmark(self, key: str) -> None:
        """Remove a one-time marker (its write did not happen after all)."""
        self.table.delete_item(Key={"limit_key": key})
