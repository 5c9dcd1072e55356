"""In-memory fakes of the repository methods the services use, one per repository,
with the real repository's interface (the Protocols of server/services/depart.py and
waivers.py). The contract tests (tests/integration/test_repo_contract.py and
test_waiver_repo_contract.py) run the same assertions against these and against the
real repositories on dynalite, so a fake cannot drift."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from server.domain.boats import Boat
from server.domain.float_plan import FLOAT, notice_ref
from server.domain.rate_limits import Limit, Spent, Taken, bucket_of
from server.domain.records import DepartureMap, Event, EventMap, Waiver, WaiverMap
from server.domain.waiver_signing import WaiverExists
from server.services.depart import Repos
from server.store.boats import BoatExists
from server.store.float_plans import TripWriteRefused
from server.store.waivers import LISTING as WAIVER_LISTING

_TO, _FROM = TypeSerializer(), TypeDeserializer()


def _as_stored(item: Mapping[str, Any]) -> dict[str, Any]:
    """`item` as DynamoDB stores and answers it (numbers as Decimal)."""
    return {k: _FROM.deserialize(_TO.serialize(v)) for k, v in item.items()}


class FakeEvents:
    """`get` and `depart` of EventsRepo."""

    def __init__(self, *events: EventMap) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        for event in events:
            self.create(event)

    def create(self, event: EventMap) -> None:
        self.items[str(event["event_id"])] = copy.deepcopy(dict(event))

    def get(self, event_id: str) -> Event | None:
        item = self.items.get(event_id)
        return cast("Event", copy.deepcopy(item)) if item is not None else None

    def depart(self, event_id: str, departure: DepartureMap) -> tuple[Event, bool]:
        item = self.items.get(event_id)
        closed = item is None or any(
            k in item for k in ("moved_to", "renaming_to", "renaming_from", "departure")
        )
        if item is not None and not closed and item.get("status") != "cancelled":
            item["departure"] = copy.deepcopy(departure)
            item["outbox"] = "owed"
            ref = notice_ref(FLOAT, str(departure["departure_id"]))
            item["notices_owed"] = {*item.get("notices_owed", set()), ref}
            return cast("Event", copy.deepcopy(item)), True
        stored = (item or {}).get("departure") or {}
        if item is not None and stored.get("departure_id") == departure["departure_id"]:
            return cast("Event", copy.deepcopy(item)), False
        raise TripWriteRefused(cast("Event", copy.deepcopy(item)) if item is not None else None)


class FakeWaivers:
    """`create`, `get`, `for_event` and `count_for_event` of WaiversRepo (depart's and
    signing's). `create` stores the item as DynamoDB answers it (numbers as Decimal,
    the listing keys added) and refuses a key stored already, like the real one."""

    def __init__(self, *waivers: WaiverMap) -> None:
        self.waivers = [copy.deepcopy(dict(w)) for w in waivers]
        self.creates = 0  # create calls, refused ones too

    def create(self, item: WaiverMap) -> None:
        self.creates += 1
        if self.get(str(item["event_id"]), str(item["waiver_id"])) is not None:
            raise WaiverExists(item["waiver_id"])
        key = f"{item['event_date']}#{item['event_id']}#{item['waiver_id']}"
        self.waivers.append(_as_stored({**item, "listing": WAIVER_LISTING, "trip_key": key}))

    def get(self, event_id: str, waiver_id: str) -> Waiver | None:
        for w in self.waivers:
            if (w["event_id"], w["waiver_id"]) == (event_id, waiver_id):
                return cast("Waiver", copy.deepcopy(w))
        return None

    def count_for_event(self, event_id: str) -> int:
        return sum(1 for w in self.waivers if w["event_id"] == event_id)

    def for_event(self, event_id: str) -> list[Waiver]:
        found = [
            cast("Waiver", copy.deepcopy(w)) for w in self.waivers if w["event_id"] == event_id
        ]
        return sorted(found, key=lambda w: str(w.get("signed_at", "")))


class FakeLimits:
    """LimitsRepo's `take`/`give_back` (minute buckets decided by the same `Limit`
    rules), places (`take_place`/`give_back_place`) and one-time markers."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[int, int]] = {}
        self.places: dict[str, int] = {}
        self.markers: set[str] = set()

    def take(self, checks: Sequence[tuple[Limit, str]], now: float) -> Taken:
        spent: list[Spent] = []
        ends: list[int] = []
        for limit, key in checks:
            name = limit.item_key(key)
            counts = self.counts.setdefault(name, {})
            bucket = max([bucket_of(now), *counts])
            until = limit.free_at(counts, bucket)
            if until is not None:
                self.give_back(spent)
                return Taken(False, until)
            counts[bucket] = counts.get(bucket, 0) + 1
            spent.append((name, f"m{bucket}"))
            end = limit.free_at(counts, bucket)
            if end is not None:
                ends.append(end)
        return Taken(True, max(ends) if ends else None, tuple(spent))

    def give_back(self, spent: Sequence[Spent]) -> None:
        for name, attribute in spent:
            counts = self.counts.get(name, {})
            bucket = int(attribute[1:])
            if counts.get(bucket, 0) > 0:
                counts[bucket] -= 1

    def take_place(self, key: str, most: int, stored: Callable[[], int], expires_at: int) -> bool:
        hits = self.places[key] if key in self.places else stored()
        if hits >= most:
            return False
        self.places[key] = hits + 1
        return True

    def give_back_place(self, key: str) -> None:
        if self.places.get(key, 0) > 0:
            self.places[key] -= 1

    def mark_once(self, key: str, expires_at: int) -> bool:
        if key in self.markers:
            return False
        self.markers.add(key)
        return True

    def unmark(self, key: str) -> None:
        self.markers.discard(key)


class FakeUsers:
    """`all` of UsersRepo."""

    def __init__(self, *users: dict[str, Any]) -> None:
        self.users = [copy.deepcopy(u) for u in users]

    def all(self) -> list[dict[str, Any]]:
        return sorted(
            (copy.deepcopy(u) for u in self.users), key=lambda u: str(u.get("name", "")).casefold()
        )


class FakeBoats:
    """BoatsRepo: get, all, add, save."""

    def __init__(self, *boats: Boat) -> None:
        self.boats = {b.boat_id: b for b in boats}

    def get(self, boat_id: str) -> Boat | None:
        return self.boats.get(boat_id)

    def all(self) -> list[Boat]:
        return sorted(self.boats.values(), key=lambda b: (b.name.casefold(), b.boat_id))

    def add(self, boat: Boat) -> None:
        if boat.boat_id in self.boats:
            raise BoatExists(boat.boat_id)
        self.boats[boat.boat_id] = boat

    def save(self, boat: Boat) -> bool:
        if boat.boat_id not in self.boats:
            return False
        self.boats[boat.boat_id] = boat
        return True


@dataclass
class FakeAudit:
    """`record` of AuditRepo; `records` as (at, user, action, target, detail)."""

    records: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def record(self, at: str, user: str, action: str, target: str, detail: str = "") -> None:
        self.records.append((at, user, action, target, detail))

    def on_day(self, day: str) -> list[dict[str, Any]]:
        names = ("at", "user", "action", "target", "detail")
        found = [dict(zip(names, r, strict=True)) for r in self.records if r[0][:10] == day]
        return sorted(found, key=lambda r: r["at"])


def fake_repos(
    events: FakeEvents,
    waivers: FakeWaivers | None = None,
    users: FakeUsers | None = None,
    boats: FakeBoats | None = None,
) -> tuple[Repos, FakeAudit]:
    audit = FakeAudit()
    repos = Repos(
        events, waivers or FakeWaivers(), users or FakeUsers(), boats or FakeBoats(), audit
    )
    return repos, audit
