"""server/domain/audit_text.py: each kind of audit entry as the exact line a captain
reads, what it links to, and which trips a page of entries names. Pure."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from server.domain.audit_text import (
    AuditLine,
    describe,
    mentioned_trips,
    on_local_day,
    trip_name,
    utc_days,
)

LA = ZoneInfo("America/Los_Angeles")
AT = "2026-11-29T01:10:00Z"  # 5:10 pm on 28 Nov in Los Angeles
TRIP_ID = "2026-11-28-alice-whale"
TRIP = {
    "patron_first_name": "Alice",
    "period": "whale",
    "date": "2026-11-28",
    "payments": [
        {"payment_id": "p0", "amount": Decimal("1"), "method": "card"},
        {"payment_id": "p1", "amount": Decimal("1200.5"), "method": "cash"},
        {"payment_id": "p2", "amount": Decimal("3")},
    ],
}
NAMES = {"casey@x": "Casey", "bo@x": "Bo"}
EVENTS = {TRIP_ID: TRIP}


def line(action: str, target: str, detail: str | None = None, user: str = "casey@x") -> AuditLine:
    entry = {"at": AT, "user": user, "action": action, "target": target, "detail": detail}
    return describe(entry, NAMES, EVENTS, LA)


def test_a_trip_entry_names_the_trip_and_links_to_it() -> None:
    assert line("event.cancelled", TRIP_ID) == AuditLine(
        at=AT,
        clock="5:10 pm",
        actor="Casey",
        verb="cancelled trip",
        thing="Alice · whale, Sat 28 Nov",
        link=("trip", TRIP_ID),
        tail="",
    )


def test_a_departure_says_when_the_boat_is_due_back() -> None:
    departed = line("trip.departed", TRIP_ID, "area Bay, back by 2026-11-29T02:30:00Z")
    assert (departed.verb, departed.tail) == ("marked trip", " departed, back by 6:30 pm")
    assert line("trip.returned", TRIP_ID).tail == " back at the dock"
    undone = line("trip.back_undone", TRIP_ID)  # issue 26: Undo of Back at the dock
    assert (undone.verb, undone.tail) == ("undid Back at the dock of trip", ": it is out again")
    assert line("trip.overdue", TRIP_ID, "back by soon").tail == " as overdue"


def test_a_rename_links_to_the_new_id_and_names_the_old() -> None:
    renamed = line("event.renamed", "2026-11-28-alice", TRIP_ID)
    assert (renamed.verb, renamed.thing, renamed.link) == (
        "renamed trip 2026-11-28-alice to",
        "Alice · whale, Sat 28 Nov",
        ("trip", TRIP_ID),
    )
    unfinished = line("event.renamed", TRIP_ID)
    assert unfinished.link == ("trip", TRIP_ID)


def test_a_void_names_the_amount_and_method_of_the_payment() -> None:
    voided = line("payment.voided", f"{TRIP_ID}/p1")
    assert voided == AuditLine(
        AT,
        "5:10 pm",
        "Casey",
        "voided $1,200.50 cash on trip",
        "Alice · whale, Sat 28 Nov",
        ("trip", TRIP_ID),
    )
    assert line("payment.voided", f"{TRIP_ID}/p2").verb == "voided $3.00 on trip"  # no method
    assert line("payment.voided", f"{TRIP_ID}/p9").verb == "voided a payment on trip"
    gone = line("payment.voided", "2026-01-01-zed/p1")
    assert (gone.verb, gone.thing, gone.link) == (
        "voided a payment on trip",
        "2026-01-01-zed",
        ("trip", "2026-01-01-zed"),
    )


def test_a_void_splits_its_target_at_the_first_slash() -> None:
    odd = line("payment.voided", f"{TRIP_ID}/p1/x")
    assert (odd.verb, odd.thing, odd.link) == (
        "voided a payment on trip",
        "Alice · whale, Sat 28 Nov",
        ("trip", TRIP_ID),
    )


def test_a_void_without_a_payment_id_reads_as_its_action() -> None:
    odd = line("payment.voided", TRIP_ID)
    assert (odd.verb, odd.link) == ("recorded payment.voided for", ("trip", TRIP_ID))


def test_a_void_of_a_void_or_of_an_unreadable_entry_says_so() -> None:
    trip = {
        **TRIP,
        "payments": [
            {"payment_id": "v1", "kind": "void", "voids": "p1"},
            {"payment_id": "bad", "amount": "lots", "method": "cash"},
            {"payment_id": "none", "method": "cash"},
            "not an entry",
        ],
    }
    events = {TRIP_ID: trip}

    def voided(payment_id: str) -> str:
        entry = {"at": AT, "action": "payment.voided", "target": f"{TRIP_ID}/{payment_id}"}
        return describe(entry, NAMES, events, LA).verb

    assert voided("v1") == "voided a void (a void of a void changes no money) on trip"
    assert voided("bad") == "voided a payment on trip"
    assert voided("none") == "voided a payment on trip"
    assert voided("p1") == "voided a payment on trip"  # the ledger no longer holds it
    not_a_list = {TRIP_ID: {**TRIP, "payments": "p1"}}
    entry = {"at": AT, "action": "payment.voided", "target": f"{TRIP_ID}/p1"}
    assert describe(entry, NAMES, not_a_list, LA).verb == "voided a payment on trip"


def test_a_void_links_only_to_a_trip_id_a_link_can_hold() -> None:
    odd = line("payment.voided", "../x/p1")
    assert (odd.verb, odd.thing, odd.link) == ("voided a payment on trip", "..", ("",))
    slash = line("payment.voided", "/")
    assert (slash.thing, slash.link) == ("(nothing named)", ("",))


def test_an_opened_waiver_links_to_it() -> None:
    opened = line("waiver.opened", f"{TRIP_ID}/w9/x")
    assert opened == AuditLine(
        AT,
        "5:10 pm",
        "Casey",
        "opened a signed waiver of trip",
        "Alice · whale, Sat 28 Nov",
        ("",),  # "w9/x" is no waiver id a link can hold
    )
    assert line("waiver.opened", f"{TRIP_ID}/w9").link == ("waiver", TRIP_ID, "w9")
    assert line("waiver.opened", f"{TRIP_ID}/").link == ("",)
    assert line("waiver.opened", "a b/w9").link == ("",)
    assert line("waiver.opened", TRIP_ID).link == ("trip", TRIP_ID)
    assert line("waiver.opened", "2026-01-01-zed/w1").thing == "2026-01-01-zed"  # trip gone


def test_an_account_entry_names_the_person_and_links_to_the_account() -> None:
    assert line("account.password_reset", "bo@x") == AuditLine(
        AT, "5:10 pm", "Casey", "reset the password of", "Bo (bo@x)", ("account", "bo@x")
    )
    added = line("account.added", "new@x", "captain", user="scc-cli")
    assert (added.actor, added.verb, added.thing, added.tail) == (
        "The command line",
        "added the account of",
        "new@x",
        " as captain",
    )
    assert line("account.added", "new@x").tail == ""
    assert line("account.enabled", "bo@x", "captain").tail == ""


def test_actors_are_named_by_role_name_or_email() -> None:
    assert line("trip.overdue", TRIP_ID, user="sweep").actor == "The overdue check"
    assert line("trip.overdue", TRIP_ID, user="gone@x").actor == "gone@x"


def test_an_unknown_action_and_missing_fields_still_make_a_line() -> None:
    bare = describe({"at": AT}, {}, {}, LA)
    assert bare == AuditLine(
        AT, "5:10 pm", "Someone", "recorded an entry for", "(nothing named)", ("",), ""
    )
    assert describe({}, {}, {}, LA) == AuditLine(
        "", "time unknown", "Someone", "recorded an entry for", "(nothing named)", ("",), ""
    )
    assert line("thing.done", TRIP_ID) == AuditLine(
        AT,
        "5:10 pm",
        "Casey",
        "recorded thing.done for",
        "Alice · whale, Sat 28 Nov",
        ("trip", TRIP_ID),
    )


def test_a_moment_that_cannot_be_read_is_time_unknown_and_no_datetime() -> None:
    for at in ["sometime", "", "9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z", None, 7]:
        odd = describe({"at": at, "action": "event.created", "target": TRIP_ID}, {}, EVENTS, LA)
        assert (odd.at, odd.clock, odd.verb) == ("", "time unknown", "created trip"), at
    early = describe({"at": "0002-01-01T12:00:00Z"}, {}, {}, ZoneInfo("UTC"))
    assert (early.at, early.clock) == ("0002-01-01T12:00:00Z", "12:00 pm")  # year 2 is read
    naive = describe({"at": "2026-11-29T01:10:00", "action": "event.edited"}, {}, {}, LA)
    assert (naive.at, naive.clock) == (AT, "5:10 pm")  # no zone stored: read as UTC
    offset = describe({"at": "2026-11-28T17:10:00-08:00"}, {}, {}, LA)
    assert (offset.at, offset.clock) == (AT, "5:10 pm")


def test_a_long_or_odd_target_reads_as_one_short_line_linking_nowhere() -> None:
    long = line("event.edited", "x" * 3000)
    assert long.thing == "x" * 119 + "…" and len(long.thing) == 120
    assert long.link == ("",)
    assert line("event.edited", "x" * 80).link == ("trip", "x" * 80)
    assert line("event.edited", "x" * 120).thing == "x" * 120
    assert line("event.edited", "a/b").link == ("",)
    renamed = line("event.renamed", "", "../../x")
    assert (renamed.verb, renamed.thing, renamed.link) == ("renamed trip  to", "../../x", ("",))
    departed = line("trip.departed", TRIP_ID, "back by 9999-99-99T99:99:99Z")
    assert departed.tail == " departed"  # a return that is no moment is left out
    added = line("account.added", "", None)
    assert (added.thing, added.link, added.tail) == ("(nothing named)", ("",), "")


def test_a_record_of_any_types_still_makes_a_line() -> None:
    odd = describe({"at": AT, "action": 7, "user": 5, "target": 1.5}, NAMES, EVENTS, LA)
    assert odd == AuditLine(AT, "5:10 pm", "5", "recorded 7 for", "1.5", ("",), "")


def test_a_record_the_wording_fails_on_is_said_plainly(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(dict[str, str]):
        def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
            raise RuntimeError("no")

    # the names mapping fails: the line falls back to what is stored
    entry = {"at": AT, "user": "casey@x", "action": "event.created", "target": TRIP_ID}
    plain = describe(entry, Broken(), EVENTS, LA)
    assert plain == AuditLine(
        AT, "5:10 pm", "casey@x", "recorded event.created for", TRIP_ID, ("",), ""
    )
    bare = describe({"action": "event.created"}, Broken(), EVENTS, LA)
    assert bare == AuditLine(
        "", "time unknown", "Someone", "recorded event.created for", "(nothing named)", ("",)
    )
    none = describe({}, Broken(), EVENTS, LA)
    assert none.verb == "recorded an entry for"
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="server.domain.audit_text"):
        describe({"entry_key": "k1", "action": "event.created"}, Broken(), EVENTS, LA)
    assert [r.getMessage() for r in caplog.records] == ["audit record k1 not worded"]
    assert caplog.records[0].exc_info is not None


def test_the_clock_has_no_leading_zero_and_reads_am() -> None:
    morning = describe({"at": "2026-11-28T17:05:00Z", "action": "event.edited"}, {}, {}, LA)
    assert morning.clock == "9:05 am"


def test_a_trip_is_named_by_patron_period_and_day_or_by_its_id() -> None:
    assert trip_name({"patron_first_name": "Bo", "date": "2026-07-04"}, "x") == "Bo, Sat 4 Jul"
    assert trip_name({"patron_first_name": "Bo"}, "x") == "x"
    assert trip_name({"date": "2026-07-04"}, "x") == "x"
    assert trip_name(None, "x") == "x"


def test_a_day_in_utc_is_one_partition() -> None:
    assert utc_days(date(2030, 6, 1), ZoneInfo("UTC")) == ["2030-06-01"]
    assert utc_days(date(2030, 6, 1), ZoneInfo("Asia/Tokyo")) == ["2030-05-31", "2030-06-01"]


def test_entries_of_the_day_are_oldest_first() -> None:
    entries = [{"at": "2030-06-01T09:00:00Z"}, {"at": "2030-06-01T08:00:00Z"}]
    assert on_local_day(entries, date(2030, 6, 1), LA) == [entries[1], entries[0]]


def test_entries_without_a_readable_moment_show_on_their_partitions_day_last() -> None:
    undated = {"at": "sometime", "day": "2030-06-01"}
    nothing = {"day": "2030-06-01"}
    entries = [
        undated,
        {"at": "2030-06-01T20:00:00Z"},
        {"at": "2030-06-01T19:00:00Z"},
        {"at": "sometime", "day": "2030-06-02"},
        {"at": "sometime"},
        nothing,
    ]
    assert on_local_day(entries, date(2030, 6, 1), LA) == [entries[2], entries[1], undated, nothing]
    assert on_local_day(entries, date(2030, 6, 2), LA) == [entries[3]]
    assert on_local_day([{"at": "2030-06-02T06:59:00Z"}], date(2030, 6, 1), LA) == [
        {"at": "2030-06-02T06:59:00Z"}
    ]  # 11:59 pm in Los Angeles


def test_the_trips_mentioned_are_targets_renames_and_waivers_not_accounts() -> None:
    entries = [
        {"action": "account.added", "target": "x@x"},
        {"action": "event.renamed", "target": "a"},
        {"action": "payment.voided", "target": "d/p1/x"},
        {"target": "e"},
        {"action": "event.created"},
    ]
    assert mentioned_trips(entries) == {"a", "d", "e"}  # no id: nothing to look up
    # an account's target is never looked up as a trip, even one spelled like a trip id
    assert mentioned_trips([{"action": "account.enabled", "target": "bo"}]) == set()
    assert mentioned_trips([{"action": "accounts", "target": "bo"}]) == {"bo"}
    odd = [
        {"action": "event.edited", "target": "../x"},
        {"action": "event.edited", "target": "x" * 81},
    ]
    assert mentioned_trips(odd) == set()
    assert mentioned_trips([{"action": "event.renamed", "target": "a", "detail": "b c"}]) == set()
