"""Issue 24 item 18: a form sent back with an invalid date or time (JavaScript off) shows
what was typed. A browser blanks `2026-02-30` in `<input type=date>` and `99:99` in
`<input type=time>`, so those come back as text inputs with the format as their pattern."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from server.store import Store
from server.web.inputs import browser_keeps, input_type
from tests.conftest import add_event, sign_in
from tests.helpers.flows import checked_in_trip, depart, depart_form, new_event_form, sign


def the_input(html: str, name: str) -> str:
    found = re.search(rf'<input id="{name}" name="{name}"[^>]*>', html)
    assert found, f"no input {name}"
    return found.group(0)


@pytest.mark.parametrize(
    ("kind", "value", "kept"),
    [
        ("date", "", True),
        ("date", "2026-05-23", True),
        ("date", "2028-02-29", True),
        ("date", "2026-02-30", False),
        ("date", "2026-5-23", False),
        ("date", "23/05/2026", False),
        ("time", "09:30", True),
        ("time", "23:59:30", True),
        ("time", "99:99", False),
        ("time", "9:30", False),
        ("time", "24:00", False),
        # Digits other than ASCII's are not a valid date or time string to a browser.
        ("date", "\u0662\u0660\u0663\u0660-\u0660\u0665-\u0662\u0663", False),
        ("time", "\u0660\u0669:\u0663\u0660", False),
        ("text", "anything", True),
    ],
)
def test_what_a_browser_keeps_in_a_date_or_time_input(kind: str, value: str, kept: bool) -> None:
    assert browser_keeps(kind, value) is kept


def test_a_kept_value_keeps_its_type_and_limits_a_dropped_one_becomes_text() -> None:
    assert input_type("date", "1990-04-21", min="1900-01-01", max="2026-12-01") == (
        'type="date" min="1900-01-01" max="2026-12-01"'
    )
    text = input_type("date", "2026-02-30", min="1900-01-01")
    assert text.startswith('type="text"') and 'pattern="\\d{4}-\\d{2}-\\d{2}"' in text
    assert "min=" not in text  # not allowed on a text input
    assert input_type("time", "99:99").startswith('type="text"')


def test_an_impossible_birth_date_comes_back_as_typed(client: TestClient, store: Store) -> None:
    event_id = add_event(store)["event_id"]
    page = sign(client, event_id, date_of_birth="2026-02-30")
    assert page.status_code == 422
    field = the_input(page.text, "date_of_birth")
    assert 'type="text"' in field and 'value="2026-02-30"' in field
    assert 'aria-invalid="true"' in field and 'id="date_of_birth-error"' in page.text
    # The other dates of the form stay date inputs.
    minor = sign(client, event_id, minor_rows="1", minor_name_0="Kim", minor_dob_0="2015-13-01")
    assert minor.status_code == 422
    assert 'type="text"' in the_input(minor.text, "minor_dob_0")
    assert 'type="date"' in the_input(minor.text, "date_of_birth")


def test_an_impossible_event_date_and_time_come_back_as_typed(
    client: TestClient, store: Store
) -> None:
    captain = sign_in(client, store, role="captain")
    page = client.post(
        "/admin/events", data=new_event_form(captain, date="2026-02-30", start_time="99:99")
    )
    assert page.status_code == 422
    for name, typed in (("date", "2026-02-30"), ("start_time", "99:99")):
        field = the_input(page.text, name)
        assert 'type="text"' in field and f'value="{typed}"' in field, field


def test_an_impossible_return_time_comes_back_as_typed(client: TestClient, store: Store) -> None:
    event_id = checked_in_trip(client, store)
    sign_in(client, store)
    page = depart(client, event_id, {**depart_form(client, event_id), "expected_back": "99:99"})
    assert page.status_code == 422
    field = the_input(page.text, "expected_back")
    assert 'type="text"' in field and 'value="99:99"' in field
