"""A crew member's credentials (kept on the user record as `credentials`) and the
warnings the captain's desk shows about a trip's crew. Warnings never block: the
captain decides.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.domain.crew_roles import MASTER, assigned
from server.domain.forms import FormErrors
from server.domain.records import EventMap

DATE_FIELDS = {
    "uscg_expires": "USCG credential expiry",
    "medical_expires": "Medical certificate expiry",
    "drug_testing_date": "Drug-testing enrolment date",
    "cpr_expires": "CPR / first aid expiry",
}
FIELDS = ("uscg_type", *DATE_FIELDS, "drug_testing")
MAX_TYPE = 60
SOON_DAYS = 30
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A credential's dates fall within a working life: a year outside is a slip of a finger.
FIRST_YEAR, LAST_YEAR = 1950, 2100


def validate_credentials(values: dict[str, str]) -> dict[str, Any]:
    """The credentials map to store; FormErrors names each bad field. Dates are
    YYYY-MM-DD (what a date input sends); empty means not recorded."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    kind = (values.get("uscg_type") or "").strip()
    if len(kind) > MAX_TYPE:
        errors["uscg_type"] = f"Use at most {MAX_TYPE} characters."
    elif kind:
        out["uscg_type"] = kind
    for name, label in DATE_FIELDS.items():
        text = (values.get(name) or "").strip()
        if not text:
            continue
        try:
            if not _ISO_DAY.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            errors[name] = f"{label}: enter a date as YYYY-MM-DD, e.g. 2027-03-31."
            continue
        if not FIRST_YEAR <= day.year <= LAST_YEAR:  # 2207 for 2027: a typo, not a date
            errors[name] = f"{label}: check the year ({day.year}); enter a date as YYYY-MM-DD."
        else:
            out[name] = day.isoformat()
    out["drug_testing"] = values.get("drug_testing") == "yes"
    if errors:
        raise FormErrors(errors)
    return out


def _day(credentials: dict[str, Any], name: str) -> date | None:
    text = str(credentials.get(name) or "")
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def trip_warnings(
    event: EventMap,
    users: dict[str, dict[str, Any]],
    min_crew: int | None = None,
) -> list[str]:
    """What the captain should know about a trip's crew, worded for people. `users`:
    the accounts by email (their `credentials`); `min_crew`: the boat's minimum crew
    (boats, issue 26: None when the trip names no boat that says one)."""
    crew = assigned(event)
    trip_day = date.fromisoformat(str(event["date"])[:10])
    warnings: list[str] = []

    def name(email: str) -> str:
        return str((users.get(email) or {}).get("name") or email)

    masters = [e for e, role in crew if role == MASTER]
    if not masters:
        warnings.append("No master is assigned to this trip.")
    for email in masters:
        creds = dict((users.get(email) or {}).get("credentials") or {})
        for field, what in (
            ("uscg_expires", "USCG credential"),
            ("medical_expires", "medical certificate"),
        ):
            expires = _day(creds, field)
            if expires is None:
                warnings.append(f"Master {name(email)} has no {what} expiry recorded.")
            elif expires < trip_day:
                warnings.append(
                    f"Master {name(email)}'s {what} expires {expires.isoformat()}, before the trip."
                )
    for email, _ in crew:
        creds = dict((users.get(email) or {}).get("credentials") or {})
        if not creds.get("drug_testing"):
            warnings.append(f"{name(email)} is not enrolled in drug testing.")
    if min_crew is not None and len(crew) < min_crew:
        warnings.append(f"Only {len(crew)} crew assigned; the boat needs at least {min_crew}.")
    return warnings


@dataclass(frozen=True)
class Expiry:
    email: str
    name: str
    what: str
    on: date


def expiring_soon(users: list[dict[str, Any]], today: date, days: int = SOON_DAYS) -> list[Expiry]:
    """Every recorded expiry from `today` (and already past) to `days` ahead, soonest
    first: the captain's desk lists them."""
    labels = {
        k: v.removesuffix(" expiry") for k, v in DATE_FIELDS.items() if k.endswith("_expires")
    }
    found = []
    for user in users:
        creds = dict(user.get("credentials") or {})
        for field, what in labels.items():
            on = _day(creds, field)
            if on is not None and on <= today + timedelta(days=days):
                email = str(user["email"])
                found.append(Expiry(email, str(user.get("name") or email), what, on))
    return sorted(found, key=lambda e: (e.on, e.name))
