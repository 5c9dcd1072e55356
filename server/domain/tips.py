"""A trip's tips split among its crew, to the cent (issue 27).

Who: the departure's `crew_aboard` when the float plan recorded it, else the captain's
assignment (`crew_assigned`). How much: equal shares, or weights — the captain's
per-trip `tip_shares` on the event, else the default per role (SCC_TIP_SHARES).
Cents are exact: every member gets the floor of their exact share, and the cents left
over go one each to the largest remainders, ties by name (then email), so the shares
always add up to the pool and the same trip always splits the same way.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from server.domain.forms import FormErrors, text_field
from server.domain.money import CENT, ZERO, to_money
from server.domain.records import Departure, EventMap

ROLES = ("master", "deckhand")
MAX_WEIGHT = Decimal(100)


@dataclass(frozen=True)
class CrewMember:
    email: str
    name: str
    role: str


def crew_of(event: EventMap, names: Mapping[str, str] | None = None) -> list[CrewMember]:
    """The crew a trip's tips are split among: the departure's crew aboard when recorded
    (it names each), else the assignment (named from `names`, the crew accounts, or by
    email). Duplicates and entries without an email are left out."""
    names = names or {}
    departure: Departure | dict[str, Any] = event.get("departure") or {}
    aboard = departure.get("crew_aboard") if isinstance(departure, Mapping) else None
    source = aboard if aboard else event.get("crew_assigned") or []
    crew: dict[str, CrewMember] = {}
    for entry in source:
        if not isinstance(entry, Mapping):
            continue
        email = str(entry.get("email") or "").strip().lower()
        if not email or email in crew:
            continue
        name = str(entry.get("name") or names.get(email) or email)
        crew[email] = CrewMember(email=email, name=name, role=str(entry.get("role") or ""))
    return list(crew.values())


def weights_for(
    crew: Sequence[CrewMember],
    trip_shares: Mapping[str, Any] | None = None,
    role_shares: Mapping[str, Decimal] | None = None,
) -> dict[str, Decimal]:
    """Each member's weight: the trip's own share for them, else their role's default,
    else 1 (equal shares). A weight that is not a positive number counts as 1."""
    trip_shares = trip_shares or {}
    role_shares = role_shares or {}
    weights: dict[str, Decimal] = {}
    for member in crew:
        raw = trip_shares.get(member.email, role_shares.get(member.role, Decimal(1)))
        try:
            weight = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            weight = Decimal(1)
        weights[member.email] = weight if weight.is_finite() and weight > 0 else Decimal(1)
    return weights


def split(
    pool: Decimal, crew: Sequence[CrewMember], weights: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """The pool in shares by weight, to the cent: largest remainder, ties by name then
    email. The shares add up to the pool exactly; with no crew, nothing is split."""
    if not crew:
        return {}
    cents = int(to_money(pool) / CENT)
    if cents <= 0:
        return {m.email: ZERO for m in crew}
    total = sum((Fraction(weights.get(m.email, Decimal(1))) for m in crew), Fraction(0))
    exact = {m.email: cents * Fraction(weights.get(m.email, Decimal(1))) / total for m in crew}
    floors = {email: int(share) for email, share in exact.items()}  # shares are >= 0
    left = cents - sum(floors.values())
    order = sorted(crew, key=lambda m: (-(exact[m.email] - floors[m.email]), m.name, m.email))
    for member in order[:left]:
        floors[member.email] += 1
    return {email: (Decimal(c) * CENT).quantize(CENT) for email, c in floors.items()}


def trip_split(
    event: EventMap,
    pool: Decimal,
    names: Mapping[str, str] | None = None,
    role_shares: Mapping[str, Decimal] | None = None,
) -> list[tuple[CrewMember, Decimal]]:
    """The trip's crew with each one's share of `pool` (its tips), in crew order."""
    crew = crew_of(event, names)
    weights = weights_for(crew, event.get("tip_shares"), role_shares)
    shares = split(pool, crew, weights)
    return [(m, shares[m.email]) for m in crew]


def parse_role_shares(text: str) -> dict[str, Decimal]:
    """`master=1.5,deckhand=1` (SCC_TIP_SHARES): a weight per role; blank is equal
    shares. Raises ValueError naming what is wrong."""
    shares: dict[str, Decimal] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        role, sep, value = part.partition("=")
        role = role.strip().lower()
        if not sep or role not in ROLES:
            raise ValueError(f"{part!r}: write role=weight, the role one of {', '.join(ROLES)}")
        shares[role] = parse_weight(value)
    return shares


def parse_weight(text: str) -> Decimal:
    """A share weight: a positive number of at most two decimals, up to 100."""
    try:
        weight = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number, like 1 or 1.5") from None
    if (
        not weight.is_finite()
        or weight <= 0
        or weight > MAX_WEIGHT
        or weight != weight.quantize(CENT)
    ):
        raise ValueError(f"{text.strip()!r}: a weight is more than 0, at most 100, two decimals")
    return weight


def validate_trip_shares(form: Mapping[str, Any], crew: Sequence[CrewMember]) -> dict[str, Decimal]:
    """The captain's per-trip weights: `share_<n>` for the crew member named by
    `email_<n>`; blank leaves that member on the role default. Raises FormErrors."""
    if not crew:
        raise FormErrors({"form": "This trip has no crew yet: assign its crew first."})
    known = {m.email for m in crew}
    shares: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for n in range(len(crew)):
        email = text_field(form, f"email_{n}").lower()
        text = text_field(form, f"share_{n}")
        if email not in known:
            errors["form"] = "The crew of this trip changed: reload the page and try again."
            continue
        if text:
            try:
                shares[email] = parse_weight(text)
            except ValueError:
                errors[f"share_{n}"] = "Enter a share like 1 or 1.5 (more than 0, at most 100)."
    if errors:
        raise FormErrors(errors)
    return shares
