"""The audit log as people read it: "Casey created trip Alice · whale, Sat 28 Nov" at
"5:10 pm" on the operator's clock, with what to link to, instead of `event.created` and
raw ids. Pure: the records, the names they mention and a time zone in; lines out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from server.domain.float_plan import parse_utc
from server.domain.money import format_money

# action -> (what the person did, what the link names); {thing} is the trip or account.
VERBS = {
    "event.created": ("created trip", ""),
    "event.edited": ("edited trip", ""),
    "event.cancelled": ("cancelled trip", ""),
    "event.scheduled": ("reinstated trip", ""),
    "event.renamed": ("renamed trip {target} to", ""),
    "trip.departed": ("marked trip", " departed"),
    "trip.extended": ("extended the float plan of trip", ""),
    "trip.returned": ("marked trip", " back at the dock"),
    "trip.overdue": ("flagged trip", " as overdue"),
    "waiver.opened": ("opened a signed waiver of trip", ""),
    "account.added": ("added the account of", ""),
    "account.password_reset": ("reset the password of", ""),
    "account.disabled": ("disabled the account of", ""),
    "account.enabled": ("re-enabled the account of", ""),
}
ACTORS = {"sweep": "The overdue check", "scc-cli": "The command line"}
_BACK_BY = re.compile(r"back by (\S+Z)$")


@dataclass(frozen=True)
class AuditLine:
    at: str  # the stored UTC moment, for <time datetime>
    clock: str  # "5:10 pm" in the operator's zone
    actor: str  # "Casey" (the email when the account is gone)
    verb: str  # "created trip"
    thing: str  # "Alice · whale, Sat 28 Nov"
    # ("trip", event_id) | ("waiver", event_id, waiver_id) | ("account", email)
    link: tuple[str, ...]
    tail: str = ""  # ", back by 6:30 pm"


def utc_days(day: date, timezone: tzinfo) -> list[str]:
    """The UTC dates (the audit table's partitions) that the operator's `day` touches."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def on_local_day(
    entries: Iterable[Mapping[str, Any]], day: date, timezone: tzinfo
) -> list[Mapping[str, Any]]:
    """The entries whose moment falls on `day` in the operator's zone, oldest first."""
    mine = [e for e in entries if parse_utc(str(e["at"])).astimezone(timezone).date() == day]
    return sorted(mine, key=lambda e: str(e["at"]))


def trip_name(event: Mapping[str, Any] | None, event_id: str) -> str:
    """ "Alice · whale, Sat 28 Nov"; the id when the trip is gone."""
    if not event or not event.get("patron_first_name") or not event.get("date"):
        return event_id
    name = str(event["patron_first_name"])
    if event.get("period"):
        name += f" · {event['period']}"
    return f"{name}, {date.fromisoformat(str(event['date'])).strftime('%a %-d %b')}"


def _clock(iso: str, timezone: tzinfo) -> str:
    """ "5:10 pm" on the operator's clock."""
    return parse_utc(iso).astimezone(timezone).strftime("%I:%M %p").lstrip("0").lower()


def describe(
    entry: Mapping[str, Any],
    names: Mapping[str, str],
    events: Mapping[str, Mapping[str, Any]],
    timezone: tzinfo,
) -> AuditLine:
    action, target = str(entry.get("action", "")), str(entry.get("target", ""))
    detail, user = str(entry.get("detail") or ""), str(entry.get("user", ""))
    at = str(entry["at"])
    actor = ACTORS.get(user) or names.get(user) or user
    verb, tail = VERBS.get(action, (action, ""))
    verb = verb.replace("{target}", target)
    if action.startswith("account."):
        thing = f"{names[target]} ({target})" if target in names else target
        if action == "account.added" and detail:
            tail = f" as {detail}"
        return AuditLine(at, _clock(at, timezone), actor, verb, thing, ("account", target), tail)
    if action == "waiver.opened" and "/" in target:
        event_id, waiver_id = target.split("/", 1)
        thing = trip_name(events.get(event_id), event_id)
        return AuditLine(
            at, _clock(at, timezone), actor, verb, thing, ("waiver", event_id, waiver_id)
        )
    if action == "payment.voided" and "/" in target:
        event_id, payment_id = target.split("/", 1)
        event = events.get(event_id) or {}
        paid = next(
            (p for p in event.get("payments", []) if p.get("payment_id") == payment_id), None
        )
        what = f"{format_money(paid['amount'])} {paid.get('method', '')}" if paid else "a payment"
        verb = f"voided {what} on trip"
        return AuditLine(
            at, _clock(at, timezone), actor, verb, trip_name(event, event_id), ("trip", event_id)
        )
    event_id = detail if action == "event.renamed" and detail else target
    if found := _BACK_BY.search(detail):
        tail += f", back by {_clock(found.group(1), timezone)}"
    thing = trip_name(events.get(event_id), event_id)
    return AuditLine(at, _clock(at, timezone), actor, verb, thing, ("trip", event_id), tail)


def mentioned_trips(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """The event ids the entries name (to look their patrons and days up)."""
    found = set()
    for e in entries:
        action, target = str(e.get("action", "")), str(e.get("target", ""))
        if action.startswith("account."):
            continue
        if action == "event.renamed" and e.get("detail"):
            found.add(str(e["detail"]))
        else:
            found.add(target.split("/", 1)[0])
    return found
