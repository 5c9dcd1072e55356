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

from server.domain.event_ids import is_valid_event_id, nonconforming_ids
from server.domain.records import Event
from server.store import Store
from server.store.events import renamed_copy

STEPS = ("freeze", "copy", "waivers", "finalize", "stub", "sweep")


class RenameError(Exception):
    """The rename cannot be done; the message says why, for the captain."""


def lint_ids(store: Store) -> list[tuple[str, str | None]]:
    """Every event (not stub) whose id breaks the convention, with a suggested id."""
    return nonconforming_ids(store.events.scan_all())


def rename_event(
    store: Store, old: str, new: str, *, after_step: Callable[[str], None] | None = None
) -> None:
    """Move event `old` to id `new` (see the module docstring). `after_step` is called
    with each step's name once it is done (tests use it to simulate a crash)."""
    events = store.events
    done = after_step or (lambda step: None)
    if not is_valid_event_id(new):
        raise RenameError(f"{new} breaks the id convention (YYYY-MM-DD-firstname[-period]).")
    if new == old:
        raise RenameError("The new id is the same as the old one.")
    item = events.get(old)
    if item is None:
        raise RenameError(f"There is no event {old}.")
    if item.get("moved_to") not in (None, new):
        raise RenameError(f"{old} was already moved to {item['moved_to']}.")
    day = str(item.get("date") or "")
    if day and day != new[:10]:
        raise RenameError(f"The new id must keep the trip date {day}.")
    target = events.get(new)
    if target is not None and target.get("renamed_from") != old:
        raise RenameError(f"An event {new} already exists.")  # checked before freezing

    if "moved_to" not in item:
        if not events.freeze_for_rename(old, new):
            current: Event | dict[str, Any] = events.get(old) or {}
            if current.get("moved_to") != new:
                raise RenameError(
                    f"{old} is being renamed to {current.get('renaming_to')}; finish that first."
                )
        done("freeze")

        item = events.get(old) or item  # frozen now: its payments cannot change
        copy = renamed_copy(item, new)
        if not events.put_renamed_copy(copy):
            existing: Event | dict[str, Any] = events.get(new) or {}
            if existing.get("renamed_from") != old:
                # Created meanwhile by someone else: give the old event back its writes.
                events.unfreeze(old, new)
                raise RenameError(f"An event {new} already exists.")
        done("copy")

        store.waivers.copy_all(old, new)
        done("waivers")

        events.open_renamed_copy(copy)
        done("finalize")

        events.leave_redirect_stub(old, new)
        done("stub")

    store.waivers.copy_all(old, new)
    store.waivers.delete_copied(old, new)
    done("sweep")
