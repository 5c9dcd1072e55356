"""`scc events assign|unassign`: crew assignment for scripts (server/services/crew.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _store() -> Any:
    from server.settings import Settings
    from server.store import Store

    return Store.connect(Settings.from_env())


def _crew_command(args: argparse.Namespace, assign: bool) -> int:
    from server.domain.clock import utc_now_iso
    from server.domain.users import normalize_email
    from server.services import crew
    from server.services.results import Refused

    store = _store()
    common = {"event_id": args.event_id, "email": normalize_email(args.email)}
    common.update(actor="scc-cli", now=utc_now_iso())
    if assign:
        result = crew.assign(store.events, store.users, store.audit, role=args.role, **common)
    else:
        result = crew.unassign(store.events, store.audit, **common)
    if isinstance(result, Refused):
        for message in result.errors.values():
            print(f"error: {message}", file=sys.stderr)
        return 1
    for member in result.get("crew_assigned") or []:
        print(f"{member['role']}\t{member['email']}")
    return 0


def cmd_events_assign(args: argparse.Namespace) -> int:
    """Assign a crew account to a trip (audited; refused once the trip has departed)."""
    return _crew_command(args, assign=True)


def cmd_events_unassign(args: argparse.Namespace) -> int:
    """Take a crew account off a trip (audited; refused once the trip has departed)."""
    return _crew_command(args, assign=False)


def add_commands(events: Any) -> None:
    """Add `assign` and `unassign` to the `scc events` subcommands."""
    assign = events.add_parser("assign", help="assign a crew account to a trip until it departs")
    assign.add_argument("event_id")
    assign.add_argument("email")
    assign.add_argument("--role", choices=["master", "deckhand"], required=True)
    assign.set_defaults(func=cmd_events_assign)
    unassign = events.add_parser("unassign", help="take a crew account off a trip")
    unassign.add_argument("event_id")
    unassign.add_argument("email")
    unassign.set_defaults(func=cmd_events_unassign)
