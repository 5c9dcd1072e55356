"""Event-id clean-up: find ids that break the convention, and move an event to a
conforming id without transactions (dynalite has none).

Each step is a conditional write that can be repeated, so `rename_event` can be re-run
after a crash at any point and converges without losing or doubling a payment or a
waiver:

1. freeze   the old item is marked `renaming_to`, so it takes no new payments or edits;
2. copy     the old item (payments and all) is put under the new id, marked
            `renaming_from` (also closed to writes, and not yet listed);
3. waivers  each waiver is put under the new id (never overwriting);
4. finalize the copy is listed and opened for writes;
5. stub     the old item becomes a redirect stub (`moved_to`), dropped from listings;
6. sweep    waivers signed against the old id meanwhile are copied, then the old copies
            deleted once their twin under the new id is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from server.domain.event_ids import InvalidEventId, is_valid_event_id, make_event_id
from server.store import Store
from server.store.client import error_code
from server.store.events import LISTING, starts_at
from server.store.waivers import WaiverExists

STEPS = ("freeze", "copy", "waivers", "finalize", "stub", "sweep")


class RenameError(Exception):
    """The rename cannot be done; the message says why, for the captain."""


def suggest_id(item: dict[str, Any]) -> str | None:
    """A conforming id for a legacy item, from what it holds (None if no date)."""
    event_id = str(item["event_id"])
    day = str(item.get("date") or event_id[:10])
    name = str(item.get("patron_first_name") or item.get("first_name") or "guest")
    try:
        return make_event_id(day, name, str(item.get("period") or "") or None)
    except InvalidEventId:
        return None


def lint_ids(store: Store) -> list[tuple[str, str | None]]:
    """Every event (not stub) whose id breaks the convention, with a suggested id."""
    return sorted(
        (str(item["event_id"]), suggest_id(item))
        for item in store.events.scan_all()
        if "moved_to" not in item and not is_valid_event_id(str(item["event_id"]))
    )


def _conditional(call: Callable[[], Any]) -> bool:
    """Run one conditional write; False when its condition did not hold."""
    try:
        call()
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def rename_event(
    store: Store, old: str, new: str, *, after_step: Callable[[str], None] | None = None
) -> None:
    """Move event `old` to id `new` (see the module docstring). `after_step` is called
    with each step's name once it is done (tests use it to simulate a crash)."""
    table = store.events.table
    done = after_step or (lambda step: None)
    if not is_valid_event_id(new):
        raise RenameError(f"{new} breaks the id convention (YYYY-MM-DD-firstname[-period]).")
    if new == old:
        raise RenameError("The new id is the same as the old one.")
    item = store.events.get(old)
    if item is None:
        raise RenameError(f"There is no event {old}.")
    if item.get("moved_to") not in (None, new):
        raise RenameError(f"{old} was already moved to {item['moved_to']}.")
    day = str(item.get("date") or "")
    if day and day != new[:10]:
        raise RenameError(f"The new id must keep the trip date {day}.")
    target = store.events.get(new)
    if target is not None and target.get("renamed_from") != old:
        raise RenameError(f"An event {new} already exists.")  # checked before freezing

    if "moved_to" not in item:
        frozen = _conditional(
            lambda: table.update_item(
                Key={"event_id": old},
                UpdateExpression="SET renaming_to = :new",
                ConditionExpression="attribute_exists(event_id) AND attribute_not_exists(moved_to)"
                " AND (attribute_not_exists(renaming_to) OR renaming_to = :new)",
                ExpressionAttributeValues={":new": new},
            )
        )
        if not frozen:
            current = store.events.get(old) or {}
            if current.get("moved_to") != new:
                raise RenameError(
                    f"{old} is being renamed to {current.get('renaming_to')}; finish that first."
                )
        done("freeze")

        item = store.events.get(old) or item  # frozen now: its payments cannot change
        copy = {k: v for k, v in item.items() if k not in ("renaming_to", "listing", "starts_at")}
        copy.update(event_id=new, date=new[:10], renamed_from=old, renaming_from=old)
        copied = _conditional(
            lambda: table.put_item(
                Item=copy,
                ConditionExpression="attribute_not_exists(event_id) OR renaming_from = :old",
                ExpressionAttributeValues={":old": old},
            )
        )
        if not copied:
            existing = store.events.get(new) or {}
            if existing.get("renamed_from") != old:
                # Created meanwhile by someone else: give the old event back its writes.
                table.update_item(
                    Key={"event_id": old},
                    UpdateExpression="REMOVE renaming_to",
                    ConditionExpression="renaming_to = :new",
                    ExpressionAttributeValues={":new": new},
                )
                raise RenameError(f"An event {new} already exists.")
        done("copy")

        _copy_waivers(store, old, new)
        done("waivers")

        _conditional(
            lambda: table.update_item(
                Key={"event_id": new},
                UpdateExpression="SET listing = :listing, starts_at = :starts REMOVE renaming_from",
                ConditionExpression="renaming_from = :old",
                ExpressionAttributeValues={
                    ":listing": LISTING,
                    ":starts": starts_at(copy),
                    ":old": old,
                },
            )
        )
        done("finalize")

        _conditional(
            lambda: table.update_item(
                Key={"event_id": old},
                UpdateExpression="SET moved_to = :new REMOVE renaming_to, listing",
                ConditionExpression="renaming_to = :new",
                ExpressionAttributeValues={":new": new},
            )
        )
        done("stub")

    _copy_waivers(store, old, new)
    for waiver in store.waivers.for_event(old):
        if store.waivers.get(new, str(waiver["waiver_id"])) is not None:
            store.waivers.delete(old, str(waiver["waiver_id"]))
    done("sweep")


def _copy_waivers(store: Store, old: str, new: str) -> None:
    for waiver in store.waivers.for_event(old):
        try:
            store.waivers.create({**waiver, "event_id": new, "event_date": new[:10]})
        except WaiverExists:
            pass  # copied by an earlier run
