"""Boats: the captain's list, with what the certificate of inspection allows.

A boat's passenger limit is its certificate's (6 for an uninspected "six-pack");
crew are counted apart from passengers, as the certificate counts them. A departure
copies the boat's numbers it was checked against, so a later edit of the boat never
rewrites a trip's record."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

MAX_NAME = 60
MAX_NUMBER = 40
MAX_DESCRIPTION = 200
MAX_PORT = 80
MAX_PASSENGERS = 150  # a Subchapter T vessel carries fewer than 150
MAX_CREW = 20
SIX_PACK = 6


@dataclass(frozen=True)
class Boat:
    """One boat of the fleet."""

    boat_id: str
    name: str
    number: str
    passengers: int
    min_crew: int
    description: str
    home_port: str

    def as_item(self) -> dict[str, Any]:
        """The map stored (and copied into a departure)."""
        return asdict(self)


def boat_of(item: dict[str, Any]) -> Boat:
    """A stored boat map as a Boat (numbers come back as Decimal from DynamoDB)."""
    return Boat(
        boat_id=str(item["boat_id"]),
        name=str(item.get("name", "")),
        number=str(item.get("number", "")),
        passengers=int(item.get("passengers", SIX_PACK)),
        min_crew=int(item.get("min_crew", 1)),
        description=str(item.get("description", "")),
        home_port=str(item.get("home_port", "")),
    )


def new_boat_id() -> str:
    return uuid.uuid4().hex[:12]


def _count(raw: str, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None, f"Give the {what} as a whole number, like {low + 1}."
    value = int(text)
    if not low <= value <= high:
        return None, f"Give a {what} from {low} to {high}."
    return value, None


def parse_boat_form(values: dict[str, str], boat_id: str) -> tuple[Boat | None, dict[str, str]]:
    """The boat form's fields checked; errors per field."""
    errors: dict[str, str] = {}
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = "Give the boat's name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Keep this to {MAX_NAME} characters."
    passengers, error = _count(values.get("passengers", ""), 1, MAX_PASSENGERS, "passenger limit")
    if error:
        errors["passengers"] = error
    min_crew, error = _count(values.get("min_crew", ""), 1, MAX_CREW, "minimum crew")
    if error:
        errors["min_crew"] = error
    limits = {"number": MAX_NUMBER, "description": MAX_DESCRIPTION, "home_port": MAX_PORT}
    texts = {}
    for field, longest in limits.items():
        texts[field] = values.get(field, "").strip()
        if len(texts[field]) > longest:
            errors[field] = f"Keep this to {longest} characters."
    if errors or passengers is None or min_crew is None:
        return None, errors
    return Boat(
        boat_id,
        name,
        texts["number"],
        passengers,
        min_crew,
        texts["description"],
        texts["home_port"],
    ), {}


def boat_label(boat: Boat) -> str:
    """`Sea Otter (DOC 1234567)` — how a boat is named in lists and emails."""
    return f"{boat.name} ({boat.number})" if boat.number else boat.name


def passenger_refusal(boat: Boat, guests: int) -> str | None:
    """Persons aboard never exceed the certificate: guests only (crew apart)."""
    if guests > boat.passengers:
        return (
            f"{guests} guests checked in, but {boat.name} may carry at most "
            f"{boat.passengers} passengers. Nothing was saved."
        )
    return None


def crew_refusal(boat: Boat, crew: int) -> str | None:
    """Fewer crew aboard than the boat's minimum."""
    if crew < boat.min_crew:
        return (
            f"{boat.name} needs at least {boat.min_crew} crew aboard; "
            f"{crew} {'is' if crew == 1 else 'are'} ticked."
        )
    return None
