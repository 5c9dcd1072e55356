"""The list ashore (issue 26 item 9) through the outbox to the fake Gmail: the float
plan carries the passenger and crew list, and the OVERDUE alert carries the boat's
description, the area, the persons aboard, the crew, the expected return and the
Coast Guard sector's number (SCC_USCG_SECTOR_PHONE)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.testclient import TestClient

from server.app import create_app
from server.domain.boats import Boat
from server.domain.clock import as_utc
from server.notify.emails import trip_email
from server.notify.mailer import make_mailer
from server.notify.outbox import Notifier
from server.store import Store
from tests.conftest import sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import checked_in_trip, depart, depart_form, gmail_env
from tests.helpers.typed import found

SECTOR = "+1 415 555 0199"
OTTER = Boat("otter", "Sea Otter", "DOC 1234567", 6, 1, "32 ft sportfisher, white hull", "Moss")


def test_the_float_plan_and_the_overdue_alert_carry_the_list_and_the_boat(
    store_with: Callable[..., Store],
    gmail: FakeGmail,
) -> None:
    store = store_with(**gmail_env(gmail), SCC_USCG_SECTOR_PHONE=SECTOR)
    store.boats.add(OTTER)
    app = create_app(store.settings, store)
    with TestClient(app, base_url="https://crew.charter.example") as client:
        sign_in(client, store)
        event_id = checked_in_trip(client, store, boat_id="otter")
        back_by = datetime.now(store.settings.timezone) + timedelta(hours=2)
        form = {**depart_form(client, event_id), "expected_back": back_by.strftime("%H:%M")}
        form["area"] = "Outer bay, north of the point"
        assert depart(client, event_id, form).status_code == 303
    plan = found(store.events.get(event_id))["departure"]
    notifier = Notifier(store, make_mailer(store.settings))
    notifier.send_due()
    (floated,) = [m for m in gmail.messages if str(m["Subject"]).startswith("Float plan")]
    text = text_of(floated)
    for shown in (
        "Sea Otter (DOC 1234567)",
        "Description:   32 ft sportfisher, white hull",
        "Aboard: 2 (1 guests, 1 crew)",
        "- Alice Smith, ",
        "emergency contact Bob Smith 555 987 6543",
        "- Pat Crew (crew, master)",
    ):
        assert shown in text, shown

    late = as_utc(str(plan["expected_back"])).timestamp() + 31 * 60
    Notifier(store, make_mailer(store.settings), clock=lambda: late).send_due()
    (alarm,) = [m for m in gmail.messages if str(m["Subject"]).startswith("OVERDUE")]
    text = text_of(alarm)
    for shown in (
        "OVERDUE: Sea Otter is not back",
        f"call the Coast Guard: sector {SECTOR}",
        "Description:   32 ft sportfisher, white hull",
        "Area:          Outer bay, north of the point",
        "Aboard: 2 (1 guests, 1 crew)",
        "- Alice Smith, ",
        "- Pat Crew (crew, master)",
    ):
        assert shown in text, shown
    assert "Sea Otter" in str(alarm["Subject"])

    unset = trip_email(
        store.events.get(event_id) or {},
        "overdue",
        str(plan["expected_back"]),
        "https://crew.charter.example",
        "a@b.example",
        ["c@d.example"],
        store.settings.timezone,
    )
    body = unset.get_body(("plain",))
    assert body is not None and "no sector number is set in the app" in body.get_content()
