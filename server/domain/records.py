"""The records that cross layers, as the store hands them over (issue 25 section 1).

An event (with its ledger entries and its departure), a waiver, and an outbox notice are
DynamoDB items: maps read by key in the domain, the services, the emails and the
templates. They stay maps at run time (a TypedDict is a plain `dict`), so nothing reads
or writes them differently; what changes is that mypy knows their keys: reading
`payment["amout"]` or writing `departure["expected_bak"]` is a type error (the renamed
keys mutation testing showed no test noticed; tests/test_record_types.py). mypy checks
a subscripted key and a built record's keys; tools/mypy_record_keys.py adds the key of
`.get("...")` (mypy leaves it unchecked), so a new attribute is declared here first.

`total=False` throughout: items written by earlier versions of the app lack keys this
one writes (no `tip` before issue 27, no `kind` on the operator's oldest entries), so
every key is read with `.get` or after an `in` check; `Required[]` marks the keys every
item has (its table key, and what it was made with). Numbers come back from DynamoDB as
`Decimal` whatever was written, so counts are `int | Decimal` and are read through
`int(...)`. Readers that also take a hand-built map (a unit test's partial trip) take
`EventMap` and its kin (below). Pure: imports neither Starlette nor boto3.
Decisions: docs/decisions.md, "Typed records".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Required, TypedDict

Number = int | Decimal  # what a count is once DynamoDB has stored it


class LedgerEntry(TypedDict, total=False):
    """One entry of an event's append-only `payments` list: a payment (`kind` payment,
    or none on the oldest entries), a void (`voids`: the payment_id it cancels) or an
    online refund (`refunds`: the online payment it refunds)."""

    payment_id: Required[str]  # the idempotency key (a UUID; Stripe's ids for online ones)
    kind: str  # "payment" | "void" | "refund"
    amount: Decimal
    tip: Decimal  # absent on entries before issue 27: 0
    method: str  # "cash" | "card" | "check" | "online"
    note: str
    logged_by: str
    logged_by_name: str
    logged_at: str
    voids: str
    reason: str
    refunds: str
    checkout_session: str
    payment_intent: str
    stripe_refund: str


class AboardPerson(TypedDict, total=False):
    """One person of a departure's `aboard` list: a checked-in guest (with the
    emergency contact from their waiver) or a crew member."""

    role: Required[str]  # "guest" | "crew"
    name: Required[str]
    age: Number
    emergency_name: str
    emergency_phone: str
    has_emergency_contact: bool
    email: str


class CrewEntry(TypedDict, total=False):
    """One entry of `crew_aboard` (the departure's) or `crew_assigned` (the trip's
    advance assignment, which has no name)."""

    email: Required[str]
    role: Required[str]  # "master" | "deckhand"
    name: str


class Mark(TypedDict):
    """Who did something, and when (the orientation given; a guest's check-in has
    `checked_in` too)."""

    by: str
    at: str


class Checkin(Mark):
    checked_in: bool


class AshoreCounts(TypedDict):
    """The counts of the passenger and crew list kept ashore with the departure."""

    guests: int
    minors: int
    crew: int
    persons: int


class Departure(TypedDict, total=False):
    """The float plan's map on the event (`departure`), stored once and never edited but
    for the running-late moves of `expected_back` (and `extended_at`)."""

    departure_id: Required[str]
    departed_at: Required[str]
    departed_by: Required[str]
    expected_back: Required[str]
    area: str
    boat: str
    aboard: list[AboardPerson]
    crew: list[str]
    boat_id: str
    boat_checked: dict[str, Any]  # the boat as checked (`Boat.as_item()`, or a name only)
    crew_aboard: list[CrewEntry]
    orientation: Mark
    counts: AshoreCounts
    extended_at: str


class Event(TypedDict, total=False):
    """One trip on the events table: its details, its ledger and totals, its float
    plan, its owed emails and the rename's marks (docs/design.md, "Data")."""

    event_id: Required[str]
    date: Required[str]
    patron_first_name: str
    first_name: str  # legacy: the operator's items from before the app (never written)
    boat_name: str  # legacy, as `first_name` (the waiver PDF prefers it to `boat`)
    period: str
    status: str  # "scheduled" | "cancelled"
    start_time: str
    duration_minutes: Number
    boat: str
    boat_id: str
    capacity: Number
    party_size: Number
    meeting_point: str
    total_price: Decimal
    notes: str
    booker_email: str
    # the listing (the by_date index)
    listing: str
    starts_at: str
    # the ledger and the totals the append keeps (server/store/ledger.py, totals.py)
    payments: list[LedgerEntry]
    payment_ids: set[str]
    voided_ids: set[str]
    void_ids: set[str]
    ledger_bytes: Number
    totals: Number
    paid_total: Decimal
    tips_total: Decimal
    payment_count: Number
    # the crew (issue 27)
    crew_assigned: list[CrewEntry]
    crew_version: Number
    tip_shares: dict[str, Any]
    # the float plan (server/store/float_plans.py)
    departure: Departure
    returned_at: str
    returned_by: str
    overdue_at: str
    back_undone_of: str
    back_undone_at: str
    # owed emails (the by_outbox index)
    notices_owed: set[str]
    outbox: str
    # the rename (server/store/rename.py)
    moved_to: str
    renaming_to: str
    renaming_from: str
    renamed_from: str
    # Never stored: the Log Payment append's answer (UPDATED_NEW: the card's fields and
    # the totals, without the ledger) carries the entry it appended.
    appended: LedgerEntry


class Minor(TypedDict):
    name: str
    date_of_birth: str


class Waiver(TypedDict, total=False):
    """One signer's waiver (the waivers table): put once, never overwritten; later
    writes only add check-ins, the sealed PDF's hash and drop the owed mark."""

    event_id: Required[str]
    waiver_id: Required[str]
    event_date: str
    guest_count: Number
    full_name: str
    date_of_birth: str
    email: str
    phone: str
    emergency_name: str
    emergency_phone: str
    minors: list[Minor]
    agree_terms: bool
    esign_consent: bool
    signature_typed: str
    language: str  # "en" | "es" (issue 30); absent on older waivers: English
    waiver_version: str
    waiver_sha256: str
    waiver_original_sha256: str
    esign_version: str
    esign_sha256: str
    esign_original_sha256: str
    signed_at: str
    ip: str
    user_agent: str
    checkins: dict[str, Checkin]
    outbox: str
    listing: str
    trip_key: str
    pdf_sha256: str
    pdf_sealed_at: str


class Notice(TypedDict, total=False):
    """One email to send (the outbox table), with its delivery state."""

    notice_id: Required[str]
    kind: Required[str]
    event_id: Required[str]
    ref_id: Required[str]
    state: str  # "pending" | "sent" | "failed"
    attempts: Number
    next_attempt_at: Number
    created_at: str
    lease_owner: str
    lease_until: Number
    sent_at: str
    message_id: str
    not_needed: str
    last_error: str


class MailerStatus(TypedDict, total=False):
    """The outbox's `#mailer` item: present while the mailer refuses every send."""

    notice_id: Required[str]
    mailer: str
    reason: str
    broken_at: str
    last_seen_at: str


# What a reader takes: a record as the store made it, or a map built by hand (a test's,
# an item written by an older version). A key read by subscript is still checked
# against the record's keys (mypy checks each arm of the union).
EventMap = Event | Mapping[str, Any]
EntryMap = LedgerEntry | Mapping[str, Any]
DepartureMap = Departure | Mapping[str, Any]
WaiverMap = Waiver | Mapping[str, Any]
NoticeMap = Notice | Mapping[str, Any]
