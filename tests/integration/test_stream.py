"""Notifications on Lambda: a payment or a waiver answers without waiting for Gmail, the
DynamoDB stream record of its write sends the email, and the scheduled sweep alone
still delivers everything. Stream records are built in the exact shape Lambda delivers
them (DynamoDB JSON images), from the items as the app really wrote them in dynalite;
the local Gmail stub answers each send after a delay."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.datastructures import Secret

from server import lambda_handler
from server.lambda_handler import LambdaApp
from server.notify.outbox import payment_notice, waiver_notice
from server.notify.stream import owed_by
from server.store import Store
from tests.conftest import add_event
from tests.fake_gmail import FakeGmail
from tests.helpers.aws import ORIGIN_SECRET, Browser, Context, body_of, record, stream_event
from tests.helpers.flows import gmail_env, pay_through_lambda, sign_through_lambda
from tests.helpers.template import resources
from tests.helpers.typed import found

SLOW_GMAIL = 2.0


@pytest.fixture
def gmail() -> Iterator[FakeGmail]:
    fake = FakeGmail(delay=SLOW_GMAIL).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def mail_store(store_with: Callable[..., Store], gmail: FakeGmail) -> Store:
    store = store_with(**gmail_env(gmail))
    settings = dataclasses.replace(store.settings, origin_secret=Secret(ORIGIN_SECRET))
    return Store.on(settings, store.resource)


def environment(store: Store) -> LambdaApp:
    """One Lambda execution environment: its own app, client and notifier."""
    return lambda_handler.start(store.settings, Store.connect(store.settings))


@pytest.fixture
def function(mail_store: Store) -> Iterator[LambdaApp]:
    started = environment(mail_store)
    try:
        yield started
    finally:
        started.close()


# --- stream records as Lambda delivers them ----------------------------------------------


def paid_with_record(
    browser: Browser, token: str, store: Store, event_id: str
) -> tuple[str, dict[str, Any]]:
    """Log a payment through the function; return its id and its write's stream record."""
    old = store.events.get(event_id)
    response = pay_through_lambda(browser, token, event_id)
    new = store.events.get(event_id)
    payment_id = str(new["payments"][-1]["payment_id"]) if new else ""
    assert payment_id and payment_id in body_of(response)
    return payment_id, record(store, "events", {"event_id": event_id}, new, old)


# --- the tests ------------------------------------------------------------------------------


def test_a_payment_answers_at_once_and_its_stream_record_sends_the_email(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    event_id = add_event(mail_store)["event_id"]
    old = mail_store.events.get(event_id)
    started = time.monotonic()
    response = pay_through_lambda(browser, token, event_id)
    answered = time.monotonic() - started
    assert answered < 1.0, f"the payment took {answered:.2f} s with a {SLOW_GMAIL} s Gmail"
    print(f"\nLambda-path payment, {SLOW_GMAIL} s Gmail: answered in {answered * 1000:.0f} ms")
    assert "server-timing" in response["headers"]
    assert gmail.send_requests == 0  # nothing waited for Gmail
    new = mail_store.events.get(event_id)
    assert new is not None and new["outbox"] == "owed"  # the mark, in the payment's write
    (payment_id,) = new["notices_owed"]
    assert mail_store.outbox.get(payment_notice(payment_id)) is None

    written = record(mail_store, "events", {"event_id": event_id}, new, old)
    assert function(stream_event(written), Context(25)) == {"batchItemFailures": []}
    assert len(gmail.messages) == 1 and "$40.00 cash" in gmail.messages[0]["Subject"]
    assert found(mail_store.outbox.get(payment_notice(payment_id)))["state"] == "sent"
    assert "outbox" not in found(mail_store.events.get(event_id))
    # Lambda delivers a record at least once: a second delivery sends nothing.
    assert function(stream_event(written), Context(25)) == {"batchItemFailures": []}
    assert function({"scc_task": "outbox-send"}, Context(25)) == {"outbox": {}}
    assert len(gmail.messages) == 1


def test_a_waiver_answers_at_once_and_its_stream_record_sends_the_copy(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    event_id = add_event(mail_store)["event_id"]
    started = time.monotonic()
    response = sign_through_lambda(Browser(function), event_id)
    answered = time.monotonic() - started
    assert response["statusCode"] == 303, body_of(response)
    assert answered < 1.0, f"the waiver took {answered:.2f} s with a {SLOW_GMAIL} s Gmail"
    assert gmail.send_requests == 0
    (waiver,) = mail_store.waivers.for_event(event_id)
    assert waiver["outbox"] == "owed"
    keys = {"event_id": event_id, "waiver_id": waiver["waiver_id"]}
    function(stream_event(record(mail_store, "waivers", keys, waiver)), Context(25))
    (message,) = gmail.messages
    assert message["To"] == "alice@example.com"
    assert found(mail_store.outbox.get(waiver_notice(waiver["waiver_id"])))["state"] == "sent"
    # A later check-in rewrites the item (the filter lets it through while the mark
    # stood): it adds no mark, so nothing more is sent.
    checked = {**waiver, "checkins": {"Alice Smith": {"checked_in": True}}}
    assert (
        owed_by(record(mail_store, "waivers", keys, checked, waiver), mail_store.settings) is None
    )


def test_sending_after_the_response_would_hold_a_lambda_answer_for_gmail(
    mail_store: Store, gmail: FakeGmail
) -> None:
    """Why the function runs with send_after_response=False: under Mangum the
    background task runs before the invocation returns (what issue 16 measured)."""
    from server.app import create_app

    old_way = LambdaApp(create_app(mail_store.settings, Store.connect(mail_store.settings)))
    try:
        browser = Browser(old_way)
        token = browser.sign_in(mail_store)
        event_id = add_event(mail_store)["event_id"]
        started = time.monotonic()
        pay_through_lambda(browser, token, event_id)
        answered = time.monotonic() - started
        assert answered >= SLOW_GMAIL and len(gmail.messages) == 1
        print(f"\nafter-response sending under Mangum: answered in {answered * 1000:.0f} ms")
    finally:
        old_way.close()


def test_records_that_add_no_mark_send_nothing(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    event_id = add_event(mail_store)["event_id"]
    _, first = paid_with_record(browser, token, mail_store, event_id)
    before_clear = found(mail_store.events.get(event_id))
    # The notifier clears in two writes; the first leaves `outbox` in place.
    (payment_id,) = before_clear["notices_owed"]
    mail_store.events.clear_notices(event_id, {payment_id})
    after_clear = mail_store.events.get(event_id)
    settings = mail_store.settings
    keys = {"event_id": event_id}
    cleared = {k: v for k, v in before_clear.items() if k != "notices_owed"}
    assert owed_by(record(mail_store, "events", keys, cleared, before_clear), settings) is None
    assert owed_by(record(mail_store, "events", keys, after_clear, before_clear), settings) is None
    assert owed_by(record(mail_store, "events", keys, None, before_clear), settings) is None
    elsewhere = {**first, "eventSourceARN": first["eventSourceARN"].replace("-events/", "-x/")}
    assert owed_by(elsewhere, settings) is None
    # Two payments in a row: the second's record owes only the second.
    _, second = paid_with_record(browser, token, mail_store, event_id)
    _, third = paid_with_record(browser, token, mail_store, event_id)
    owed = owed_by(third, settings)
    assert owed is not None and len(owed.refs) == 1
    assert owed.refs <= set(found(mail_store.events.get(event_id))["notices_owed"])
    assert gmail.send_requests == 0


def test_the_sweep_alone_delivers_each_email_exactly_once(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    """The stream is down: only the 5-minute schedule runs."""
    gmail.delay = 0.05
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    events = [add_event(mail_store, first_name=name)["event_id"] for name in ("Ann", "Bea")]
    for event_id in events:
        pay_through_lambda(browser, token, event_id, "10.00")
        pay_through_lambda(browser, token, event_id, "20.00")
    assert sign_through_lambda(Browser(function), events[0])["statusCode"] == 303
    assert gmail.send_requests == 0
    assert function({"scc_task": "outbox-send"}, Context(25)) == {"outbox": {"sent": 5}}
    assert len(gmail.messages) == 5
    subjects = sorted(str(m["Subject"]) for m in gmail.messages)
    assert sum("$10.00" in s for s in subjects) == 2 and sum("$20.00" in s for s in subjects) == 2
    assert function({"scc_task": "outbox-send"}, Context(25)) == {"outbox": {}}
    assert len(gmail.messages) == gmail.send_requests == 5


def test_a_stream_record_and_the_sweep_racing_send_one_email(
    mail_store: Store, gmail: FakeGmail
) -> None:
    """Two execution environments: one handles the payment's stream record while the
    other runs the sweep, released together, several times over."""
    gmail.delay = 0.3  # both are well inside their sends at once
    first, second = environment(mail_store), environment(mail_store)
    try:
        assert first.notifier.owner != second.notifier.owner
        browser = Browser(first)
        token = browser.sign_in(mail_store)
        event_id = add_event(mail_store)["event_id"]
        rounds = 4
        for _ in range(rounds):
            _, written = paid_with_record(browser, token, mail_store, event_id)
            gate = threading.Barrier(2)
            answers: dict[str, Any] = {}

            def run(
                name: str,
                app: LambdaApp,
                event: dict[str, Any],
                gate: Any = gate,
                answers: dict[str, Any] = answers,
            ) -> None:
                gate.wait()
                answers[name] = app(event, Context(25))

            threads = [
                threading.Thread(target=run, args=("stream", first, stream_event(written))),
                threading.Thread(target=run, args=("sweep", second, {"scc_task": "outbox-send"})),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert answers["stream"] == {"batchItemFailures": []}
        assert len(gmail.messages) == rounds  # one email per payment, never two
        assert gmail.send_requests == rounds
        sent = mail_store.outbox.in_state("sent")
        assert len(sent) == rounds and all(n["attempts"] == 1 for n in sent)
    finally:
        first.close()
        second.close()


def test_the_stream_leaves_sends_to_the_sweep_when_time_runs_short(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    gmail.delay = 0
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    event_id = add_event(mail_store)["event_id"]
    payment_id, written = paid_with_record(browser, token, mail_store, event_id)
    function(stream_event(written), Context(4))  # less than one Gmail timeout left
    assert gmail.send_requests == 0
    notice = found(mail_store.outbox.get(payment_notice(payment_id)))
    assert notice is not None and notice["state"] == "pending"  # queued, mark cleared
    assert "outbox" not in found(mail_store.events.get(event_id))
    assert function({"scc_task": "outbox-send"}, Context(25)) == {"outbox": {"sent": 1}}


def test_a_record_that_cannot_be_collected_is_reported_for_retry(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail, monkeypatch: pytest.MonkeyPatch
) -> None:
    gmail.delay = 0
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    event_id = add_event(mail_store)["event_id"]
    _, good = paid_with_record(browser, token, mail_store, event_id)
    other = add_event(mail_store, first_name="Bea")["event_id"]
    _, bad = paid_with_record(browser, token, mail_store, other)
    collect = function.notifier.collect_owed

    def flaky(owed: Any) -> list[str]:
        if owed.event_id == other:
            raise ConnectionError("dynamodb unreachable")
        return collect(owed)

    monkeypatch.setattr(function.notifier, "collect_owed", flaky)
    answer = function(stream_event(good, bad), Context(25))
    assert answer == {"batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]}
    assert len(gmail.messages) == 1
    assert found(mail_store.events.get(other))["outbox"] == "owed"  # still owed: sweep or retry


def test_a_notice_that_cannot_be_built_fails_alone_and_never_the_batch(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    gmail.delay = 0
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    good_event = add_event(mail_store)["event_id"]
    bad_event = add_event(mail_store, first_name="Bea")["event_id"]
    bad_id, bad = paid_with_record(browser, token, mail_store, bad_event)
    _, good = paid_with_record(browser, token, mail_store, good_event)
    # The stored entry, as an older app might have left it: its time is not a time.
    mail_store.events.table.update_item(
        Key={"event_id": bad_event},
        UpdateExpression="SET payments[0].logged_at = :garbage",
        ExpressionAttributeValues={":garbage": "just now"},
    )
    answer = function(stream_event(bad, good), Context(25))
    assert answer == {"batchItemFailures": []}  # nothing for Lambda to retry
    assert len(gmail.messages) == 1 and good_event in str(gmail.messages[0]["Subject"])
    notice = found(mail_store.outbox.get(payment_notice(bad_id)))
    assert notice is not None and notice["state"] == "pending" and notice["attempts"] == 1
    assert str(notice["last_error"]).startswith("the email could not be built: ValueError")


# --- the template's filter lets exactly these records through --------------------------------


def _matches(pattern: Any, value: Any) -> bool:
    """Lambda event filtering, for the rules the template uses: nested objects, lists
    of allowed strings, and {"exists": bool}."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(_field(rule, value, key) for key, rule in pattern.items())
    raise AssertionError(f"unsupported pattern {pattern!r}")


def _field(rule: Any, value: dict[str, Any], key: str) -> bool:
    if isinstance(rule, dict):
        return key in value and _matches(rule, value[key])
    assert isinstance(rule, list)
    for option in rule:
        if isinstance(option, dict) and "exists" in option:
            if (key in value) == option["exists"]:
                return True
        elif key in value and value[key] == option:
            return True
    return False


def _filters(mapping: str) -> list[dict[str, Any]]:
    import json

    props = resources("AWS::Lambda::EventSourceMapping")[mapping]["Properties"]
    return [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]


def _passes(mapping: str, rec: dict[str, Any]) -> bool:
    return any(_matches(p, rec) for p in _filters(mapping))


def test_the_filters_pass_the_writes_that_owe_an_email(
    function: LambdaApp, mail_store: Store, gmail: FakeGmail
) -> None:
    browser = Browser(function)
    token = browser.sign_in(mail_store)
    event_id = add_event(mail_store)["event_id"]
    created = record(mail_store, "events", {"event_id": event_id}, mail_store.events.get(event_id))
    assert not _passes("EventsOwedMapping", created)
    payment_id, paid = paid_with_record(browser, token, mail_store, event_id)
    assert _passes("EventsOwedMapping", paid)
    before = mail_store.events.get(event_id)
    mail_store.events.clear_notices(event_id, {payment_id})
    cleared = record(
        mail_store, "events", {"event_id": event_id}, mail_store.events.get(event_id), before
    )
    assert not _passes("EventsOwedMapping", cleared)
    assert not _passes(
        "EventsOwedMapping", record(mail_store, "events", {"event_id": event_id}, None, before)
    )

    assert sign_through_lambda(Browser(function), event_id)["statusCode"] == 303
    (waiver,) = mail_store.waivers.for_event(event_id)
    keys = {"event_id": event_id, "waiver_id": waiver["waiver_id"]}
    assert _passes("WaiversOwedMapping", record(mail_store, "waivers", keys, waiver))
    unmarked = {k: v for k, v in waiver.items() if k != "outbox"}
    assert not _passes("WaiversOwedMapping", record(mail_store, "waivers", keys, unmarked, waiver))
