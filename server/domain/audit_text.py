"""The audit log as people read it: "Casey created trip Alice · whale, Sat 28 Nov" at
"5:10 pm" on the operator's clock, with what to link to, instead of `event.created` and
raw ids. Pure: the records, the names they mention and a time zone in; lines out."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from server.domain.clock import as_utc, clock_label, day_label, utc_iso
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
    "trip.back_undone": ("undid Back at the dock of trip", ": it is out again"),
    "trip.overdue": ("flagged trip", " as overdue"),
    "event.tip_shares": ("set the tip shares of trip", ""),
    "waiver.opened": ("opened a signed waiver of trip", ""),
    "waiver.downloaded": ("downloaded the sealed PDF of a signed waiver of trip", ""),
    "account.added": ("added the account of", ""),
    "account.password_reset": ("reset the password of", ""),
    "account.disabled": ("disabled the account of", ""),
    "account.enabled": ("re-enabled the account of", ""),
    "account.tip_payout": ("recorded a tip payout to", ""),
    "account.credentials": ("recorded the credentials of", ""),
    "account.feed_created": ("made a new calendar feed link for", ""),
    "account.feed_revoked": ("revoked the calendar feed link of", ""),
    "crew.assigned": ("assigned crew to trip", ""),
    "crew.unassigned": ("took crew off trip", ""),
}
ACTORS = {"sweep": "The overdue check", "scc-cli": "The command line"}
_BACK_BY = re.compile(r"back by (\S+Z)$")
_PATH_ID = re.compile(r"[A-Za-z0-9-]{1,80}")  # the ids the app's links are built from
MAX_THING = 120
NO_LINK: tuple[str, ...] = ("",)  # a line that links nowhere
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditLine:
    at: str  # the stored UTC moment, for <time datetime> ("" when none can be read)
    clock: str  # "5:10 pm" in the operator's zone
    actor: str  # "Casey" (the email when the account is gone)
    verb: str  # "created trip"
    thing: str  # "Alice · whale, Sat 28 Nov"
    # ("trip", event_id) | ("waiver", event_id, waiver_id) | ("account", email) | NO_LINK
    link: tuple[str, ...]
    tail: str = ""  # ", back by 6:30 pm"


def utc_days(day: date, timezone: tzinfo) -> list[str]:
    """The UTC dates (the audit table's partitions) that the operator's `day` touches."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _moment(entry: Mapping[str, Any]) -> datetime | None:
    """The record's moment, or None when what is stored is not one."""
    try:
        moment = as_utc(str(entry.get("at", "")), naive_is_utc=True)
    except (ValueError, OverflowError):
        return None
    if not 1 < moment.year < 9999:  # a day away from the calendar's ends: no overflow
        return None
    return moment


def on_local_day(
    entries: Iterable[Mapping[str, Any]], day: date, timezone: tzinfo
) -> list[Mapping[str, Any]]:
    """The entries whose moment falls on `day` in the operator's zone, oldest first. A
    record whose moment cannot be read is shown on the day of its partition, last."""
    dated, undated = [], []
    for entry in entries:
        moment = _moment(entry)
        if moment is None:
            if str(entry.get("day", "")) == day.isoformat():
                undated.append(entry)
        elif _local_date(moment, timezone) == day:
            dated.append(entry)
    return sorted(dated, key=lambda e: str(e["at"])) + undated  # dated: "at" was read


def _local_date(moment: datetime, timezone: tzinfo) -> date | None:
    try:
        return moment.astimezone(timezone).date()
    except (ValueError, OverflowError):  # year 1 or 9999, a zone away
        return None


def trip_name(event: Mapping[str, Any] | None, event_id: str) -> str:
    """ "Alice · whale, Sat 28 Nov"; the id when the trip is gone (or unreadable)."""
    if not event or not event.get("patron_first_name") or not event.get("date"):
        return event_id
    try:
        day = day_label(date.fromisoformat(str(event["date"])), year=False)
    except ValueError:
        return event_id
    name = str(event["patron_first_name"])
    if event.get("period"):
        name += f" · {event['period']}"
    return f"{name}, {day}"


def _clock(iso: str, timezone: tzinfo) -> str:
    """ "5:10 pm" on the operator's clock ("time unknown" when none is stored)."""
    moment = _moment({"at": iso})
    if moment is None:
        return "time unknown"
    try:
        return clock_label(moment.astimezone(timezone))
    except (ValueError, OverflowError):
        return "time unknown"


def _linkable(*ids: str) -> bool:
    """Ids a page link can be built from (the router's path segments)."""
    return all(_PATH_ID.fullmatch(i) for i in ids)


def _voided_what(event: Mapping[str, Any], payment_id: str) -> str:
    """ "$40.00 cash", or "a payment" when the ledger no longer says (or never did)."""
    entries = event.get("payments")
    paid = next(
        (
            p
            for p in (entries if isinstance(entries, list) else [])
            if isinstance(p, Mapping) and p.get("payment_id") == payment_id
        ),
        None,
    )
    if paid is None:
        return "a payment"
    if paid.get("kind") == "void":
        return "a void (a void of a void changes no money)"
    try:
        return f"{format_money(Decimal(str(paid['amount'])))} {paid.get('method', '')}".strip()
    except (KeyError, ArithmeticError, ValueError):
        return "a payment"


def describe(
    entry: Mapping[str, Any],
    names: Mapping[str, str],
    events: Mapping[str, Mapping[str, Any]],
    timezone: tzinfo,
) -> AuditLine:
    """One record in words. Any record the table holds gets a line, whatever its shape
    (an action this version does not know, fields missing, an older app's oddity): the
    records are kept for years, and one of them must never take the page down."""
    try:
        line = _describe(entry, names, events, timezone)
    except Exception:  # a shape not foreseen: say what is stored, plainly
        log.exception("audit record %s not worded", entry.get("entry_key"))
        moment = _moment(entry)
        at = utc_iso(moment) if moment else ""
        what = f"recorded {entry.get('action', 'an entry')!s} for"
        actor = str(entry.get("user", "")) or "Someone"
        line = AuditLine(
            at, _clock(at, timezone), actor, what, str(entry.get("target", "")), NO_LINK
        )
    # Whatever is stored, a line reads as one: something named, and not a page long.
    thing = line.thing if len(line.thing) <= MAX_THING else line.thing[: MAX_THING - 1] + "…"
    return replace(line, thing=thing or "(nothing named)")


def _describe(
    entry: Mapping[str, Any],
    names: Mapping[str, str],
    events: Mapping[str, Mapping[str, Any]],
    timezone: tzinfo,
) -> AuditLine:
    action, target = str(entry.get("action", "")), str(entry.get("target", ""))
    detail, user = str(entry.get("detail") or ""), str(entry.get("user", ""))
    moment = _moment(entry)
    at = utc_iso(moment) if moment else ""  # for <time datetime>: valid or none
    when = _clock(at, timezone)
    actor = ACTORS.get(user) or names.get(user) or user or "Someone"
    verb, tail = VERBS.get(action, (f"recorded {action or 'an entry'} for", ""))
    verb = verb.replace("{target}", target)
    if action.startswith("account."):
        thing = f"{names[target]} ({target})" if target in names else target
        if action == "account.added" and detail:
            tail = f" as {detail}"
        if action == "account.tip_payout" and detail:
            tail = f": {detail}"
        return AuditLine(
            at, when, actor, verb, thing, ("account", target) if target else NO_LINK, tail
        )
    if action in ("waiver.opened", "waiver.downloaded") and "/" in target:
        event_id, waiver_id = target.split("/", 1)
        thing = trip_name(events.get(event_id), event_id)
        link: tuple[str, ...] = (
            ("waiver", event_id, waiver_id) if _linkable(event_id, waiver_id) else NO_LINK
        )
        return AuditLine(at, when, actor, verb, thing, link)
    if action == "payment.voided" and "/" in target:
        event_id, payment_id = target.split("/", 1)
        event = events.get(event_id) or {}
        verb = f"voided {_voided_what(event, payment_id)} on trip"
        link = ("trip", event_id) if _linkable(event_id) else NO_LINK
        return AuditLine(at, when, actor, verb, trip_name(event, event_id), link)
    event_id = detail if action == "event.renamed" and detail else target
    if (found := _BACK_BY.search(detail)) and _moment({"at": found.group(1)}):
        tail += f", back by {_clock(found.group(1), timezone)}"
    if action.startswith("crew.") and detail:
        tail = f" ({detail})"
    thing = trip_name(events.get(event_id), event_id)
    link = ("trip", event_id) if _linkable(event_id) else NO_LINK
    return AuditLine(at, when, actor, verb, thing, link, tail)


def mentioned_trips(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """The event ids the entries name (to look their patrons and days up); only ids a
    trip could have, so no stored oddity becomes a key DynamoDB refuses."""
    found = set()
    for e in entries:
        action, target = str(e.get("action", "")), str(e.get("target", ""))
        if action.startswith("account."):
            continue
        if action == "event.renamed" and e.get("detail"):
            found.add(str(e["detail"]))
        else:
            found.add(target.split("/", 1)[0])
    return {i for i in found if _linkable(i)}
