"""The trip log (46 CFR Subchapter T practice): who is aboard as crew and who is master,
the safety orientation, the list kept ashore, and the log's entries read from the
stored record. Pure: the departure map is built here and stored once; nothing in it is
ever edited (corrections are new entries, as the ledger does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.boats import Boat
from server.domain.float_plan import seen_back
from server.domain.records import AshoreCounts, CrewEntry, EventMap, Mark

MASTER, DECKHAND = "master", "deckhand"
ADULT_AGE = 18


def prefilled_crew(event: EventMap, departing: str) -> tuple[list[str], str]:
    """(crew emails, master email) the Depart form starts from: the trip's advance
    assignment (`crew_assigned`, issue 27) when there is one, else who is departing it."""
    assigned = [
        (str(c.get("email", "")), str(c.get("role", DECKHAND)))
        for c in event.get("crew_assigned") or []
        if c.get("email")
    ]
    if not assigned:
        return [departing], departing
    masters = [email for email, role in assigned if role == MASTER]
    emails = [email for email, _ in assigned]
    return emails, masters[0] if masters else (departing if departing in emails else emails[0])


def crew_aboard(chosen: list[str], master: str, names: dict[str, str]) -> list[CrewEntry]:
    """The departure's `crew_aboard`: each ticked crew member, exactly one master."""
    return [
        {"email": e, "name": names.get(e) or e, "role": MASTER if e == master else DECKHAND}
        for e in chosen
    ]


def master_refusal(chosen: list[str], master: str) -> str | None:
    """The master must be one of the crew ticked aboard."""
    if not chosen:
        return "Tick who is aboard as crew."
    if master not in chosen:
        return "Mark the master (the licensed operator in charge) among the crew aboard."
    return None


ORIENTATION_MISSING = (
    "Give the passenger safety orientation before getting under way, then tick it here."
)


def boat_record(boat: Boat | None, legacy: str) -> dict[str, Any]:
    """The boat as the departure was checked against it (a later edit of the boat does
    not change the record); a trip with only an old free-text boat keeps that name."""
    if boat is None:
        return {"name": legacy}
    return boat.as_item()


def list_ashore(aboard: Sequence[Mapping[str, Any]]) -> AshoreCounts:
    """The counts of the passenger and crew list kept with the departure."""
    guests = [p for p in aboard if p.get("role") == "guest"]
    return {
        "guests": len(guests),
        "minors": sum(1 for p in guests if _minor(p)),
        "crew": sum(1 for p in aboard if p.get("role") == "crew"),
        "persons": len(aboard),
    }


def _minor(person: Mapping[str, Any]) -> bool:
    try:
        return int(person.get("age")) < ADULT_AGE  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class LogEntry:
    """One line of the trip log."""

    at: str  # UTC ISO
    what: str
    by: str = ""
    back: str = ""  # Running late: the new expected return (UTC ISO) when known


def log_entries(event: EventMap, audits: Iterable[dict[str, Any]] = ()) -> list[LogEntry]:
    """The trip's log, in time order, from the stored record and the audit log's
    entries about it (every Running late, where the item keeps only the last)."""
    departure = event.get("departure")
    if not departure:
        return []
    extended = [
        LogEntry(
            str(a["at"]),
            "Running late",
            str(a["user"]),
            seen_back(str(a.get("detail") or "").removeprefix("back by ")) or "",
        )
        for a in audits
        if a.get("target") == event.get("event_id") and a.get("action") == "trip.extended"
    ]
    entries: list[LogEntry] = list(extended)
    orientation: Mark | dict[str, Any] = departure.get("orientation") or {}
    if orientation:
        entries.append(
            LogEntry(str(orientation["at"]), "Safety orientation given", str(orientation["by"]))
        )
    entries.append(
        LogEntry(str(departure["departed_at"]), "Departed", str(departure.get("departed_by", "")))
    )
    if departure.get("extended_at") and not extended:
        entries.append(LogEntry(str(departure["extended_at"]), "Running late"))
    if event.get("overdue_at"):
        entries.append(LogEntry(str(event["overdue_at"]), "Marked OVERDUE; shore alerted"))
    if event.get("returned_at"):
        entries.append(
            LogEntry(
                str(event["returned_at"]), "Back at the dock", str(event.get("returned_by", ""))
            )
        )
    return sorted(entries, key=lambda e: e.at)
