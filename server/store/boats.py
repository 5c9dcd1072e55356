"""The fleet: the captain's boats, one item in the limits table (docs/decisions.md:
"Boats"). A charter operator has a handful of boats, so the whole list is one small
item: `get` and `all` are one GetItem, and each add or edit is one conditional
UpdateItem of that boat's entry alone, so two edits of different boats never lose
one another."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.domain.boats import Boat, boat_of
from server.store.boundary import Repo
from server.store.client import conditional, get_item, put_new

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

FLEET_KEY = "fleet"  # the limits table's key of the fleet item (no expires_at: kept)


class BoatExists(Exception):
    """A boat with this id is already in the fleet."""


class BoatsRepo(Repo):
    """The captain's boats."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def _fleet(self) -> dict[str, Any]:
        item = get_item(self.table, {"limit_key": FLEET_KEY}) or {}
        boats: dict[str, Any] = item.get("boats") or {}
        return boats

    def get(self, boat_id: str) -> Boat | None:
        """The boat with this id, or None."""
        entry = self._fleet().get(boat_id)
        return boat_of(entry) if entry else None

    def all(self) -> list[Boat]:
        """Every boat, by name."""
        boats = [boat_of(entry) for entry in self._fleet().values()]
        return sorted(boats, key=lambda b: (b.name.casefold(), b.boat_id))

    def add(self, boat: Boat) -> None:
        """Add a new boat; BoatExists rather than overwrite one."""
        put_new(self.table, {"limit_key": FLEET_KEY, "boats": {}}, "limit_key")
        if not self._write(boat, "attribute_not_exists(boats.#id)"):
            raise BoatExists(boat.boat_id)

    def save(self, boat: Boat) -> bool:
        """Change an existing boat (its limits may change: departures keep the numbers
        they were checked against); False when there is no such boat."""
        return self._write(boat, "attribute_exists(boats.#id)")

    def _write(self, boat: Boat, condition: str) -> bool:
        written = conditional(
            lambda: self.table.update_item(
                Key={"limit_key": FLEET_KEY},
                UpdateExpression="SET boats.#id = :boat",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#id": boat.boat_id},
                ExpressionAttributeValues={":boat": boat.as_item()},
            )
        )
        return written is not None
