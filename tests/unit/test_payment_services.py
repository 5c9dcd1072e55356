"""The Log Payment and Void workflows (server/services/payments.py) against the
in-memory ledger, which tests/integration/test_ledger_contract.py holds to dynalite."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from server.domain.event_form import validate_new_event
from server.domain.payments import (
    MAX_ENTRIES,
    MAX_LEDGER_BYTES,
    AppendRefused,
    Refusal,
    entry_bytes,
)
from server.domain.records import EntryMap, Event
from server.domain.users import User
from server.services.payments import (
    NOT_A_PAYMENT,
    VOID_HEADROOM,
    Logged,
    OverBalance,
    Voided,
    log_payment,
    void_payment,
)
from server.services.results import Refused
from tests.helpers.fake_ledger import FakeLedger

CREW = User("deck@example.com", "Dana Deck", "crew")
CAPTAIN = User("cap@example.com", "Cy Cap", "captain")
NOW = "2026-07-04T16:00:00Z"


class FakeAudit:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, str, str]] = []

    def record(self, at: str, by: str, action: str, target: str, detail: str = "") -> None:
        self.lines.append((at, by, action, target, detail))


@pytest.fixture
def events() -> FakeLedger:
    fake = FakeLedger()
    fake.create(
        validate_new_event(
            {
                "date": "2026-07-04",
                "first_name": "Alice",
                "period": "whale",
                "start_time": "09:30",
                "party_size": "6",
                "total_price": "300.00",
                "boat": "Orca",
            }
        )
    )
    return fake


TRIP = "2026-07-04-alice-whale"


def _form(amount: str = "120.00", key: str | None = None, **more: str) -> dict[str, str]:
    return {"payment_id": key or str(uuid.uuid4()), "amount": amount, "method": "cash", **more}


def _pay(events: FakeLedger, form: dict[str, str], ask_over: bool = True) -> Any:
    return log_payment(events, TRIP, form, CREW, NOW, ask_over=ask_over)


def test_a_payment_is_appended_once_with_who_and_when(events: FakeLedger) -> None:
    outcome = _pay(events, _form("120.00"))
    assert isinstance(outcome, Logged) and outcome.created
    assert outcome.item["paid_total"] == Decimal("120.00")
    assert outcome.entry["logged_by"] == CREW.email and outcome.entry["logged_at"] == NOW
    assert outcome.entry["logged_by_name"] == CREW.name
    assert events.writes == 1


def test_a_replay_answers_the_stored_entry_and_writes_nothing(events: FakeLedger) -> None:
    form = _form("120.00")
    first = _pay(events, form)
    again = _pay(events, form)
    assert isinstance(again, Logged) and not again.created
    assert again.entry["payment_id"] == first.entry["payment_id"]
    assert again.entry["amount"] == Decimal("120.00")
    assert again.item["event_id"] == TRIP and again.created is False
    assert events.writes == 1


def test_the_same_key_for_another_amount_is_refused_as_a_duplicate(events: FakeLedger) -> None:
    key = str(uuid.uuid4())
    _pay(events, _form("120.00", key))
    outcome = _pay(events, _form("121.00", key))
    assert isinstance(outcome, Refused) and outcome.status == 409
    assert outcome.code == "duplicate" and "already saved" in outcome.errors["form"]
    assert events.writes == 1


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
    events: FakeLedger,
) -> None:
    outcome = _pay(events, {**_form("12.345"), "method": "bitcoin"})
    assert isinstance(outcome, Refused) and outcome.status == 422
    assert {"amount", "method"} <= set(outcome.errors)
    assert events.writes == 0


def test_an_amount_past_the_shown_balance_is_asked_first(events: FakeLedger) -> None:
    form = _form("350.00", balance_due="300.00")
    outcome = _pay(events, form)
    assert outcome == OverBalance(Decimal("350.00"), Decimal("50.00"))
    assert events.writes == 0
    confirmed = _pay(events, {**form, "confirm_over": "350.00"})
    assert isinstance(confirmed, Logged) and confirmed.created
    api = _pay(events, _form("500.00", balance_due="0.00"), ask_over=False)
    assert isinstance(api, Logged) and events.writes == 2


def test_a_cancelled_trip_takes_no_payment(events: FakeLedger) -> None:
    events.set_status(TRIP, "cancelled")
    outcome = _pay(events, _form())
    assert isinstance(outcome, Refused) and outcome.status == 422
    assert outcome.code == "cancelled" and "cancelled" in outcome.errors["form"]


def test_an_unknown_trip_is_a_404(events: FakeLedger) -> None:
    outcome = log_payment(events, "2026-07-04-nobody-whale", _form(), CREW, NOW, ask_over=True)
    assert outcome == Refused({}, 404, code="missing")


def _void(
    events: FakeLedger,
    audit: FakeAudit,
    target: str,
    void_id: str | None = None,
    reason: str = "typo",
) -> Voided | Refused:
    form = {"void_id": void_id or str(uuid.uuid4()), "reason": reason}
    return void_payment(events, audit, TRIP, target, form, CAPTAIN, NOW)


def test_a_void_takes_the_amount_off_and_is_audited_once(events: FakeLedger) -> None:
    paid = _pay(events, _form("120.00"))
    audit, key = FakeAudit(), str(uuid.uuid4())
    target = paid.entry["payment_id"]
    assert _void(events, audit, target, key) == Voided(target, created=True)
    assert _void(events, audit, target, key) == Voided(target, created=False)  # a replay
    assert audit.lines == [(NOW, CAPTAIN.email, "payment.voided", f"{TRIP}/{target}", "")]
    stored = events.get(TRIP)
    assert stored is not None and stored["paid_total"] == 0 and stored["payment_count"] == 0


def test_void_refusals(events: FakeLedger) -> None:
    audit = FakeAudit()
    target = _pay(events, _form("120.00")).entry["payment_id"]
    no_reason = _void(events, audit, target, reason="")
    assert (
        isinstance(no_reason, Refused) and no_reason.status == 422 and "reason" in no_reason.errors
    )
    void_key = str(uuid.uuid4())
    _void(events, audit, target, void_key)
    again = _void(events, audit, target)
    assert again == Refused({"form": "That payment was already voided."}, 409, "already_voided")
    of_a_void = _void(events, audit, void_key)
    assert of_a_void == Refused({"form": NOT_A_PAYMENT}, 404, "not_a_payment")
    unknown = _void(events, audit, str(uuid.uuid4()))
    assert isinstance(unknown, Refused) and unknown.status == 404
    assert unknown.code == "unknown_target"
    assert len(audit.lines) == 1


class Refusing:
    """A ledger whose every write is refused for `reason` (one the workflows do not
    word for themselves: they answer the generic conflict)."""

    def __init__(self, reason: Refusal) -> None:
        self.reason = reason

    def get(self, event_id: str) -> Event | None:
        return None

    def append_payment(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        raise AppendRefused(self.reason, None)

    def append_void(self, event_id: str, entry: EntryMap, cap: int, max_bytes: int) -> Event:
        raise AppendRefused(self.reason, None)


def test_an_unworded_refusal_is_the_generic_conflict() -> None:
    paid = log_payment(Refusing(Refusal.UNKNOWN_TARGET), TRIP, _form(), CREW, NOW, ask_over=True)
    assert isinstance(paid, Refused) and paid.status == 409 and paid.code == "unknown_target"
    assert paid.errors == {"form": "The trip changed while saving. Nothing was saved; try again."}
    form = {"void_id": str(uuid.uuid4()), "reason": "typo"}
    void = void_payment(Refusing(Refusal.CANCELLED), FakeAudit(), TRIP, "p", form, CAPTAIN, NOW)
    assert void == Refused({"form": "The trip changed while saving. Try again."}, 409, "cancelled")
    gone = void_payment(Refusing(Refusal.MISSING), FakeAudit(), TRIP, "p", form, CAPTAIN, NOW)
    assert gone == Refused({}, 404, "missing")  # no message: the plain 404 page


def test_the_void_entry_names_the_payment_the_reason_and_who(events: FakeLedger) -> None:
    target = _pay(events, _form("120.00")).entry["payment_id"]
    key = str(uuid.uuid4())
    _void(events, FakeAudit(), target, key, reason="wrong trip")
    stored = events.get(TRIP)
    assert stored is not None
    assert stored["payments"][-1] == {
        "payment_id": key,
        "kind": "void",
        "voids": target,
        "reason": "wrong trip",
        "logged_by": CAPTAIN.email,
        "logged_by_name": CAPTAIN.name,
        "logged_at": NOW,
    }


def test_a_void_stored_before_void_ids_were_kept_is_not_voided(events: FakeLedger) -> None:
    """An old void is found in the ledger itself, before any write."""
    target = _pay(events, _form("120.00")).entry["payment_id"]
    old_void = {"payment_id": "v-old", "kind": "void", "voids": target, "reason": "x"}
    item = events.items[TRIP]
    item["payments"].append(old_void)
    item["payment_ids"].add("v-old")
    writes = events.writes
    assert _void(events, FakeAudit(), "v-old") == Refused(
        {"form": NOT_A_PAYMENT}, 404, "not_a_payment"
    )
    assert events.writes == writes


def test_a_full_trip_can_still_be_corrected(events: FakeLedger) -> None:
    """Voids have headroom past both caps: entries and bytes (to the byte)."""
    target = _pay(events, _form("120.00")).entry["payment_id"]
    item = events.items[TRIP]
    item["payments"].extend({"payment_id": f"x{i}"} for i in range(MAX_ENTRIES - 1))
    key = str(uuid.uuid4())
    entry = {
        "payment_id": key,
        "kind": "void",
        "voids": target,
        "reason": "typo",
        "logged_by": CAPTAIN.email,
        "logged_by_name": CAPTAIN.name,
        "logged_at": NOW,
    }
    room = MAX_LEDGER_BYTES + VOID_HEADROOM * 1000 - entry_bytes(entry)
    item["ledger_bytes"] = Decimal(room + 1)
    refused = _void(events, FakeAudit(), target, key)
    assert isinstance(refused, Refused) and refused.code == "full"
    item["ledger_bytes"] = Decimal(room)
    assert _void(events, FakeAudit(), target, key) == Voided(target, created=True)


def test_a_void_is_refused_past_its_headroom(events: FakeLedger) -> None:
    target = _pay(events, _form("120.00")).entry["payment_id"]
    events.items[TRIP]["payments"].extend(
        {"payment_id": f"x{i}"} for i in range(MAX_ENTRIES + VOID_HEADROOM - 1)
    )
    refused = _void(events, FakeAudit(), target)
    assert isinstance(refused, Refused) and refused.code == "full" and refused.status == 409


def test_a_refusal_of_the_whole_form() -> None:
    assert Refused.form("Gone.") == Refused({"form": "Gone."}, 409)
    assert Refused.form("Bad.", 422).status == 422


def test_a_replay_during_a_rename_is_told_to_wait(events: FakeLedger) -> None:
    """Only a duplicate is answered as a replay: a trip being renamed answers 409 even
    for a payment it already holds."""
    form = _form("120.00")
    _pay(events, form)
    events.items[TRIP]["renaming_to"] = "2026-07-04-alicia-whale"
    outcome = _pay(events, form)
    assert isinstance(outcome, Refused) and outcome.status == 409 and outcome.code == "renaming"
