"""The captain creates an event on a phone and the crew see it on the dispatch board."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from playwright.sync_api import BrowserContext, expect

from e2e.desk import CaptainDesk, letters
from e2e.helpers import Account, card, sign_in


def test_captain_creates_an_event_and_it_is_on_the_board(
    captain: Account,
    crew: Account,
    desk: CaptainDesk,
    app_today: date,
    new_context: Callable[..., BrowserContext],
) -> None:
    name = "QaZoë" + letters(6)
    day = app_today.isoformat()
    expected_id = f"{day}-{name.replace('ë', 'e').lower()}-sunset"

    page = new_context().new_page()
    sign_in(page, captain)
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Date").fill(day)
    page.get_by_label("Patron's first name").fill(name)
    page.get_by_label("Period label").fill("Sunset")
    # The id it will create shows up as the captain types (htmx, debounced).
    expect(page.locator("#id-preview")).to_contain_text(expected_id)
    page.get_by_label("Start time").fill("18:15")
    page.get_by_label("Party size").fill("7")
    page.get_by_label("Boat capacity").fill("12")
    page.get_by_label("Boat (optional)", exact=True).fill("Sea Lark")
    page.get_by_label("Total price").fill("1,450")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_text("Event created.")).to_be_visible()
    expect(page.locator("code.event-id")).to_have_text(expected_id)
    desk.track_event(expected_id)

    # The same id again is refused, with the reason next to the field.
    page.goto("/admin/events/new")
    page.get_by_label("Date").fill(day)
    page.get_by_label("Patron's first name").fill(name)
    page.get_by_label("Period label").fill("sunset")
    expect(page.locator("#id-preview")).to_contain_text("already exists")

    board = new_context().new_page()
    sign_in(board, crew)
    new_card = card(board, expected_id)
    expect(new_card).to_contain_text(name)
    expect(new_card).to_contain_text("6:15 pm")  # the one time format (issue 24 item 15)
    expect(new_card).to_contain_text("$1,450.00")
    expect(new_card.locator(".facts")).to_contain_text(re.compile(r"Party\s*7"))
