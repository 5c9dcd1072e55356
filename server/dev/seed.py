"""Demo data for `make run`: a captain, a crew member and a few trips, only on an
empty local store (never against real AWS)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

from server.domain.boats import Boat
from server.domain.clock import today_in, utc_now_iso
from server.domain.event_form import validate_new_event
from server.domain.money import parse_amount
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.domain.records import LedgerEntry
from server.domain.users import hash_password
from server.store import Store

DEMO_USERS = [
    ("captain@example.com", "Casey Captain", "captain"),
    ("crew@example.com", "Jordan Crew", "crew"),
]


class RefusedOnAws(RuntimeError):
    """Demo data is for local stores only."""


def seed_demo(store: Store, logins_file: Path) -> list[str]:
    """Seed an empty store; returns the lines to print (the demo logins). When the
    store already holds users, the logins saved at first seeding are printed again."""
    if not store.settings.is_local_dynamodb:
        raise RefusedOnAws("demo seeding only runs against a local DynamoDB endpoint")
    if store.users.any_exist():
        if logins_file.exists():
            return logins_file.read_text().splitlines()
        return ["(store already has users; demo logins were not created by this copy)"]
    lines = []
    for email, name, role in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        store.users.create(email, name, role, hash_password(password), utc_now_iso())
        lines.append(f"{role:8} {email}  password: {password}")
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.write_text("\n".join(lines) + "\n")
    if not store.events.any_exist():
        _seed_events(store)
    return lines


DEMO_BOATS = (
    Boat("orca", "Orca", "DOC 1234567", 6, 1, "28 ft, white hull, blue canvas", "Moss Landing"),
    Boat("sealark", "Sea Lark", "DOC 7654321", 24, 2, "45 ft, green hull", "Moss Landing"),
)


def _seed_events(store: Store) -> None:
    today = today_in(store.settings.timezone)
    for demo in DEMO_BOATS:
        store.boats.add(demo)
    listed = {b.name: b.boat_id for b in DEMO_BOATS}
    trips = [
        (0, "Alice", "whale", "09:30", "6", "1200.00", "Orca", "Dock B, slip 4"),
        (0, "Bo", "sunset", "18:00", "4", "650.00", "Sea Lark", "Dock A"),
        (1, "Zoë", "", "10:00", "8", "1800.00", "Orca", "Dock B, slip 4"),
        (3, "Marco", "fishing", "06:00", "3", "900.00", "Sea Lark", "Fuel dock"),
    ]
    for days, name, period, start, party, total, boat, meeting in trips:
        # Marco's trip keeps only the old free-text boat: the edit form offers to map it.
        boat_id = listed[boat] if name != "Marco" else ""
        item = validate_new_event(
            {
                "date": (today + timedelta(days=days)).isoformat(),
                "first_name": name,
                "period": period,
                "start_time": start,
                "party_size": party,
                "capacity": "12",
                "duration_minutes": "180",
                "total_price": total,
                "boat": boat,
                "boat_id": boat_id,
                "meeting_point": meeting,
            }
        )
        store.events.create(item)
    deposit: LedgerEntry = {
        "payment_id": str(uuid.uuid4()),
        "kind": "payment",
        "amount": parse_amount("200.00"),
        "method": "card",
        "note": "Deposit at booking",
        "logged_by": DEMO_USERS[0][0],
        "logged_by_name": DEMO_USERS[0][1],
        "logged_at": utc_now_iso(),
    }
    store.events.append_payment(
        f"{today.isoformat()}-bo-sunset", deposit, MAX_ENTRIES, MAX_LEDGER_BYTES
    )
