"""Notifications through the real Gmail client library against a local fake Gmail."""

from __future__ import annotations

import email.policy
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from functools import partial
from html import unescape

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import human_time, utc_iso
from server.domain.payments import MAX_ENTRIES, MAX_LEDGER_BYTES
from server.notify.emails import message_id_domain
from server.notify.failures import MAX_ATTEMPTS
from server.notify.mailer import TIMEOUT_SECONDS, make_mailer
from server.notify.outbox import Notifier, SendOutcome, payment_notice
from server.settings import Settings, SettingsError
from server.store import Store
from tests.conftest import JSON, add_event, sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import (
    OPERATORS,
    append_payment,
    departure,
    gmail_env,
    later,
    pay,
    use_cli_env,
)
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.typed import found


def test_payment_email_is_sent_once_with_the_details(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store, total_price="100", first_name="Alice")
    token = sign_in(mail_client, mail_store)
    response = pay(mail_client, event["event_id"], token, JSON, note="tip included", amount="40.50")
    assert response.status_code == 201
    assert len(gmail.messages) == 1
    message = gmail.messages[0]
    assert message["To"] == OPERATORS
    assert message["From"] == "bookings@charter.example"
    assert "$40.50 cash" in message["Subject"] and event["event_id"] in message["Subject"]
    text = text_of(message)
    for expected in (
        event["event_id"],
        event["date"],
        "Alice",
        "$40.50",
        "cash",
        "tip included",
        "Pat Crew",
        "Paid so far: $40.50",
        "Balance due: $59.50",
        f"https://crew.charter.example/dispatch/events/{event['event_id']}",
    ):
        assert expected in text, expected
    assert "Balance due" in text_of(message, "html")
    # When, in the operator's zone, with the day and the zone (read later, maybe elsewhere).
    logged = re.search(r"Logged at: +(.+)", text)
    assert logged and re.fullmatch(r"\w{3} \d{1,2} \w{3}, \d{1,2}:\d\d [ap]m [A-Z]{3,4}", logged[1])
    assert gmail.token_requests == 1 and gmail.authorizations == ["Bearer access-1"]
    payment_id = response.json()["payment"]["payment_id"]
    notice = found(mail_store.outbox.get(payment_notice(payment_id)))
    assert notice is not None and notice["state"] == "sent" and notice["attempts"] == 1
    item = found(mail_store.events.get(event["event_id"]))
    assert "outbox" not in item and "notices_owed" not in item  # nothing left owed
    # A later scheduled run and a replay of the same payment send nothing more.
    assert Notifier(mail_store, make_mailer(mail_store.settings)).send_due() == {}
    pay(
        mail_client,
        event["event_id"],
        token,
        JSON,
        note="tip included",
        amount="40.50",
        payment_id=payment_id,
    )
    assert len(gmail.messages) == 1


def test_waiver_copy_goes_to_the_signer(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    response = sign_waiver(mail_client, event["event_id"])
    assert response.status_code == 303
    [message] = gmail.messages
    waiver = mail_store.waivers.for_event(event["event_id"])[0]
    assert message["To"] == "alice@example.com"
    text = text_of(message)
    reference = waiver["waiver_id"][:8].upper()
    assert reference in message["Subject"] and reference in text
    signed = human_time(
        waiver["signed_at"], mail_store.settings.timezone, always_day=True, zone=True
    )
    assert f"Signed at:        {signed}" in text and "standard-v1" in text
    assert "gross negligence" in text  # the text signed, in full
    assert "with your charter operator" in text  # SCC_OPERATOR_NAME, its default here
    html = text_of(message, "html")
    assert "<ol>" in html and "<li>" in html  # the texts as Markdown, not one paragraph
    assert "paper copy" in text and "withdraw" in text  # the ESIGN copy notice
    assert "outbox" not in found(mail_store.waivers.get(event["event_id"], waiver["waiver_id"]))


def test_the_signers_copy_says_how_to_reach_the_operator(
    store_with: Callable[..., Store], gmail: FakeGmail
) -> None:
    """Issue 24 item 14: SCC_OPERATOR_PHONE and SCC_OPERATOR_EMAIL in the patron's email."""
    store = store_with(
        **gmail_env(gmail),
        SCC_OPERATOR_PHONE="+1 (415) 555-0100",
        SCC_OPERATOR_EMAIL="trips@charter.example",
    )
    settings = store.settings
    with TestClient(create_app(settings, store), base_url="https://crew.charter.example") as client:
        event = add_event(store, start_time="14:05")
        assert sign_waiver(client, event["event_id"]).status_code == 303
    [message] = gmail.messages
    text = text_of(message)
    assert "Phone:            +1 (415) 555-0100" in text
    assert "Email:            trips@charter.example" in text
    assert " at 2:05 pm" in text and "14:05" not in text  # the one time format
    html = text_of(message, "html")
    assert '<a href="tel:+14155550100">+1 (415) 555-0100</a>' in html
    assert '<a href="mailto:trips@charter.example">trips@charter.example</a>' in html


@pytest.mark.parametrize("mode", ["500", "hang"])
def test_gmail_failing_never_loses_the_payment_and_the_email_goes_later(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail, mode: str
) -> None:
    event = add_event(mail_store)
    token = sign_in(mail_client, mail_store)
    gmail.mode = mode
    started = time.monotonic()
    response = pay(mail_client, event["event_id"], token, JSON, note="tip included")
    elapsed = time.monotonic() - started
    gmail.release()
    assert response.status_code == 201 and response.json()["paid"] == "40.00"
    assert elapsed < TIMEOUT_SECONDS + 3  # the email never holds the answer for long
    assert len(found(mail_store.events.get(event["event_id"]))["payments"]) == 1
    notice_id = payment_notice(response.json()["payment"]["payment_id"])
    notice = found(mail_store.outbox.get(notice_id))
    assert notice["state"] == "pending" and notice["attempts"] == 1
    assert ("HTTP 500" if mode == "500" else "did not answer") in notice["last_error"]
    gmail.mode = "ok"
    assert Notifier(mail_store, make_mailer(mail_store.settings)).send_due() == {}  # not due yet
    sender = Notifier(mail_store, make_mailer(mail_store.settings), clock=lambda: later(61))
    assert sender.send_due() == {"sent": 1}
    assert len(gmail.messages) == 1
    assert found(mail_store.outbox.get(notice_id))["state"] == "sent"


def test_an_expired_token_is_refreshed_and_the_send_retried(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    token = sign_in(mail_client, mail_store)
    pay(
        mail_client, event["event_id"], token, JSON, note="tip included"
    )  # first send gets access-1
    gmail.mode = "401-once"
    pay(mail_client, event["event_id"], token, JSON, note="tip included", amount="12")
    assert len(gmail.messages) == 2
    assert gmail.token_requests == 2  # refreshed once after the 401
    assert gmail.authorizations[-2:] == ["Bearer access-1", "Bearer access-2"]


def test_a_crash_between_the_payment_and_the_send_still_leaves_the_email_owed(
    mail_store: Store,
    gmail: FakeGmail,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from server.__main__ import main

    event = add_event(mail_store)
    # The payment's own UpdateItem, and then the process "dies": no send is attempted.
    append_payment(mail_store, event["event_id"], str(uuid.uuid4()), "75.00", "card")
    assert found(mail_store.events.get(event["event_id"]))["outbox"] == "owed"
    use_cli_env(monkeypatch, mail_store, gmail)
    assert main(["outbox", "send"]) == 0
    assert "1 sent" in capsys.readouterr().out
    assert len(gmail.messages) == 1 and "$75.00" in text_of(gmail.messages[0])
    assert main(["outbox", "send"]) == 0
    assert len(gmail.messages) == 1


def test_two_senders_at_once_send_each_email_once(mail_store: Store, gmail: FakeGmail) -> None:
    event = add_event(mail_store, total_price="1000")
    payment_ids = []
    for i in range(12):
        payment_id = str(uuid.uuid4())
        payment_ids.append(payment_id)
        mail_store.events.append_payment(
            event["event_id"],
            {
                "payment_id": payment_id,
                "kind": "payment",
                "amount": Decimal(f"{i + 1}.00"),
                "method": "cash",
                "note": f"n{i}",
                "logged_by": "crew@example.com",
                "logged_at": "2030-01-01T10:00:00Z",
            },
            MAX_ENTRIES,
            MAX_LEDGER_BYTES,
        )
    senders = [Notifier(mail_store, make_mailer(mail_store.settings)) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda s: s.send_due(), senders))
    assert sum(o["sent"] for o in outcomes) == 12
    assert len(gmail.messages) == 12
    amounts = sorted(text_of(m).split("Amount:")[1].split()[0] for m in gmail.messages)
    assert amounts == sorted(f"${i + 1}.00" for i in range(12))


def test_the_immediate_send_and_the_sweep_racing_send_one_email(
    mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store, total_price="1000")
    payment_ids = []
    items = []
    for i in range(6):
        payment_ids.append(str(uuid.uuid4()))
        items.append(append_payment(mail_store, event["event_id"], payment_ids[-1], f"{i + 1}.00"))
    immediate = Notifier(mail_store, make_mailer(mail_store.settings))
    sweep = Notifier(mail_store, make_mailer(mail_store.settings))
    with ThreadPoolExecutor(2) as pool:
        sent = [
            pool.submit(immediate.after_payment, item, p)
            for item, p in zip(items, payment_ids, strict=True)
        ]
        swept = pool.submit(sweep.send_due)
        [f.result() for f in sent]
        swept.result()
    sweep.send_due()
    assert len(gmail.messages) == 6
    assert "outbox" not in found(mail_store.events.get(event["event_id"]))


def test_an_immediate_send_that_dies_after_its_claim_is_sent_by_the_sweep_later(
    mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    payment_id = str(uuid.uuid4())
    append_payment(mail_store, event["event_id"], payment_id, "75.00", "card")
    notice_id = payment_notice(payment_id)
    # The after-response task created the item leased to itself, then the process died.
    assert mail_store.outbox.create_claimed(
        (notice_id, "payment", event["event_id"], payment_id), time.time(), "t", "dead", 120
    )
    assert (
        mail_store.outbox.create_claimed(
            (notice_id, "payment", event["event_id"], payment_id), time.time(), "t", "other", 120
        )
        is None
    )
    sweep = Notifier(mail_store, make_mailer(mail_store.settings))
    assert sweep.send(notice_id) == "busy" and gmail.messages == []
    later_sweep = Notifier(mail_store, make_mailer(mail_store.settings), clock=lambda: later(121))
    assert later_sweep.send_due()[SendOutcome.SENT] == 1
    assert later_sweep.send_due()[SendOutcome.SENT] == 0
    assert len(gmail.messages) == 1 and "$75.00" in text_of(gmail.messages[0])
    assert found(mail_store.outbox.get(notice_id))["attempts"] == 2


def test_after_the_attempt_cap_it_is_failed_visible_and_can_be_resent(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    token = sign_in(mail_client, mail_store)
    gmail.mode = "500"
    payment_id = pay(mail_client, event["event_id"], token, JSON, note="tip included").json()[
        "payment"
    ]["payment_id"]
    notice_id = payment_notice(payment_id)
    for attempt in range(2, MAX_ATTEMPTS + 1):
        sender = Notifier(
            mail_store, make_mailer(mail_store.settings), clock=partial(later, 60 * 2**attempt)
        )
        sender.send_due()
    notice = found(mail_store.outbox.get(notice_id))
    assert notice["state"] == "failed" and notice["attempts"] == MAX_ATTEMPTS
    assert gmail.send_requests == MAX_ATTEMPTS and gmail.messages == []
    captain = sign_in(mail_client, mail_store, role="captain")
    page = mail_client.get("/admin/notifications")
    assert "Failed (1)" in page.text and "HTTP 500" in page.text
    gmail.mode = "ok"
    resend = mail_client.post(
        "/admin/notifications/resend",
        data={"csrf_token": captain, "notice_id": notice_id},
        follow_redirects=False,
    )
    assert resend.status_code == 303
    assert found(mail_store.outbox.get(notice_id))["state"] == "sent" and len(gmail.messages) == 1


def test_without_gmail_settings_notifications_wait_and_the_captain_is_told(
    client: TestClient, store: Store, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.__main__ import main

    event = add_event(store)
    token = sign_in(client, store, role="captain")
    response = pay(client, event["event_id"], token, JSON, note="tip included")
    assert response.status_code == 201
    payment_id = response.json()["payment"]["payment_id"]
    # Nothing can be sent, so nothing is copied after the response: the owed mark
    # written with the payment is the queue, and the captain sees it.
    assert found(store.events.get(event["event_id"]))["notices_owed"] == {payment_id}
    page = client.get("/admin/notifications").text
    assert "Gmail is not set up" in page and "1 item(s) owe an email" in page
    assert main(["outbox", "send"]) == 0
    assert "1 notification(s) wait" in capsys.readouterr().out
    notice = found(store.outbox.get(payment_notice(payment_id)))
    assert notice["state"] == "pending" and notice["attempts"] == 0
    assert "Pending (1)" in client.get("/admin/notifications").text


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {"GMAIL_TOKEN": '{"refresh_token": "r", "client_id": "c", "client_secret": "s"}'},
            "GMAIL_SENDER",
        ),
        (
            {"GMAIL_SENDER": "a@b.c", "GMAIL_RECIPIENT": "a@b.c", "GMAIL_TOKEN": "not json"},
            "GMAIL_TOKEN",
        ),
        (
            {"GMAIL_SENDER": "a@b.c", "GMAIL_RECIPIENT": "a@b.c", "GMAIL_TOKEN": '{"x": 1}'},
            "GMAIL_TOKEN: missing refresh_token",
        ),
    ],
)
def test_gmail_settings_go_together(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({"SCC_SECRET_KEY": "k" * 40, **env})


# --- every email is a valid RFC 5322 message (issue 24, item 17) -----------------------------


def strictly_parsed(raw: bytes) -> EmailMessage:
    """The message as a strict parser reads it: any defect raises or is asserted."""
    message = BytesParser(policy=email.policy.strict).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        assert part.defects == [], part.defects
    for name, value in message.items():
        assert not value.defects, (name, value.defects)
    for name in ("Date", "From", "Message-ID", "Subject", "To"):
        assert len(message.get_all(name) or []) == 1, name
    return message


def test_every_email_kind_has_a_date_a_message_id_on_the_operator_s_domain_and_a_title(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    event_id = event["event_id"]
    token = sign_in(mail_client, mail_store)
    assert pay(mail_client, event_id, token, JSON, note="tip included").status_code == 201
    assert sign_waiver(mail_client, event_id).status_code == 303
    now = time.time()
    clock = {"now": now}
    notifier = Notifier(mail_store, make_mailer(mail_store.settings), clock=lambda: clock["now"])
    plan = departure(expected_back=utc_iso(now + 3600), departed_at=utc_iso(now))
    mail_store.events.depart(event_id, plan)
    notifier.send_due()
    back, later_back = plan["expected_back"], utc_iso(now + 5400)
    mail_store.events.run_late(event_id, plan["departure_id"], back, later_back, utc_iso(now))
    notifier.send_due()
    clock["now"] = now + 5400 + 31 * 60  # past the new return and the grace
    notifier.send_due()
    mail_store.events.mark_back(event_id, plan["departure_id"], "pat@example.com", utc_iso(now))
    notifier.send_due()
    kinds = [str(m["Subject"]).split(" ")[0] for m in gmail.messages]
    assert kinds == ["Payment", "Your", "Float", "Running", "OVERDUE:", "Back"]
    ids = set()
    for raw in gmail.raw:
        message = strictly_parsed(raw)
        sent_at = message["Date"].datetime
        assert sent_at.tzinfo is not None and abs(sent_at.timestamp() - time.time()) < 300
        [message_id] = re.findall(r"<([^<>@\s]+)@([^<>@\s]+)>", str(message["Message-ID"]))
        assert message_id[1] == "crew.charter.example"  # SCC_BASE_URL's host
        ids.add(message_id[0])
        html = message.get_body(("html",))
        assert html is not None
        title = re.search(r"<title>([^<]+)</title>", html.get_content())
        # Whitespace compared as words: a long non-ASCII subject is folded into RFC 2047
        # words, and where the fold falls (the time's length) can double a space.
        subject = " ".join(str(message["Subject"]).split())
        assert title and " ".join(unescape(title[1]).split()) == subject, title
    assert len(ids) == 6  # each its own id


def test_the_message_id_domain_comes_from_scc_base_url() -> None:
    assert message_id_domain("https://book.charter.example:8443/app") == "book.charter.example"
    assert message_id_domain("http://[2001:db8::1]:8000") == "[2001:db8::1]"
    assert message_id_domain("https://bücher.example") == "xn--bcher-kva.example"
    assert message_id_domain("http://10.0.0.5:8000") == "10.0.0.5"
    assert message_id_domain("") == "localhost"


# --- one signer copy per mailbox per trip (issue 24, item 6) ---------------------------------


def test_aliases_of_one_mailbox_get_one_signer_copy_per_trip(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event_id = add_event(mail_store, party_size="8")["event_id"]
    aliases = [
        "pat.smith@gmail.com",
        "patsmith+1@gmail.com",
        "Pat.Smith+boat@googlemail.com",
        "p.a.t.s.m.i.t.h@GMAIL.com",
        "PATSMITH@gmail.com",
    ]
    for address in aliases:
        assert sign_waiver(mail_client, event_id, email=address).status_code == 303
    assert len(mail_store.waivers.for_event(event_id)) == 5  # every waiver is stored
    [copy] = gmail.messages
    assert copy["To"] == "pat.smith@gmail.com"  # as the first signer typed it
    for address in ("pat+2@charter.example", "pat+3@charter.example", "pa.t@charter.example"):
        assert sign_waiver(mail_client, event_id, email=address).status_code == 303
    # `+tag` is one mailbox everywhere; dots only at Gmail.
    assert [str(m["To"]) for m in gmail.messages[1:]] == [
        "pat+2@charter.example",
        "pa.t@charter.example",
    ]


def test_an_owed_mark_that_cannot_be_queued_never_stops_the_others(
    mail_store: Store, gmail: FakeGmail
) -> None:
    bad = add_event(mail_store, first_name="Bea")["event_id"]
    mail_store.events.table.update_item(  # a mark no outbox key can hold (over 2 KB)
        Key={"event_id": bad},
        UpdateExpression="SET outbox = :owed ADD notices_owed :refs",
        ExpressionAttributeValues={":owed": "owed", ":refs": {"p" * 3000}},
    )
    good = add_event(mail_store)["event_id"]
    append_payment(mail_store, good, str(uuid.uuid4()), "25")
    assert Notifier(mail_store, make_mailer(mail_store.settings)).send_due() == {"sent": 1}
    [message] = gmail.messages
    assert good in str(message["Subject"])
    assert found(mail_store.events.get(bad))["outbox"] == "owed"  # still owed, for a look
