"""In-memory fakes of the repository methods the services use, one per repository,
with the real repository's interface (server/services/depart.py's Protocols). The
contract tests (tests/integration/test_repo_contract.py) run the same assertions
against these and against the real repositories on dynalite, so a fake cannot drift."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from server.domain.boats import Boat
from server.domain.float_plan import FLOAT, notice_ref
from server.services.depart import Repos
from server.store.boats import BoatExists
from server.store.float_plans import TripWriteRefused


class FakeEvents:
    """`get` and `depart` of EventsRepo."""

    def __init__(self, *events: dict[str, Any]) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        for event in events:
            self.create(event)

    def create(self, event: dict[str, Any]) -> None:
        self.items[str(event["event_id"])] = copy.deepcopy(event)

    def get(self, event_id: str) -> dict[str, Any] | None:
        item = self.items.get(event_id)
        return copy.deepcopy(item) if item is not None else None

    def depart(self, event_id: str, departure: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        item = self.items.get(event_id)
        closed = item is None or any(
            k in item for k in ("moved_to", "renaming_to", "renaming_from", "departure")
        )
        if item is not None and not closed and item.get("status") != "cancelled":
            item["departure"] = copy.deepcopy(departure)
            item["outbox"] = "owed"
            ref = notice_ref(FLOAT, str(departure["departure_id"]))
            item["notices_owed"] = {*item.get("notices_owed", set()), ref}
            return copy.deepcopy(item), True
        stored = (item or {}).get("departure") or {}
        if item is not None and stored.get("departure_id") == departure["departure_id"]:
            return copy.deepcopy(item), False
        raise TripWriteRefused(copy.deepcopy(item) if item is not None else None)


class FakeWaivers:
    """`create` and `for_event` of WaiversRepo."""

    def __init__(self, *waivers: dict[str, Any]) -> None:
        self.waivers = [copy.deepcopy(w) for w in waivers]

    def create(self, item: dict[str, Any]) -> None:
        self.waivers.append(copy.deepcopy(item))

    def for_event(self, event_id: str) -> list[dict[str, Any]]:
        found = [copy.deepcopy(w) for w in self.waivers if w["event_id"] == event_id]
        return sorted(found, key=lambda w: str(w.get("signed_at", "")))


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
