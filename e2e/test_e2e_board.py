"""The dispatch board by day (issue 18): later trips are a real link away, no JavaScript
needed, and the later page leads back to today's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, card, sign_in


@pytest.mark.screens
def test_later_trips_link_pages_the_board_without_javascript(
    nojs_page: Page,
    crew: Account,
    desk: CaptainDesk,
    app_today: date,
    make_event: Callable[..., dict[str, Any]],
    shoot: Callable[[Page, str], None],
) -> None:
    page = nojs_page
    # Days after every trip on the stage, so nothing else is on these pages.
    day = max(app_today + timedelta(days=120), desk.last_trip_day() + timedelta(days=1))
    later = day + timedelta(days=5)  # past the board's 3 days
    first = make_event(day=day)
    second = make_event(day=later)

    sign_in(page, crew)
    page.goto(f"/dispatch?from={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Trips from {day:%a %-d %b %Y}")
    expect(card(page, first["event_id"])).to_be_visible()
    expect(card(page, second["event_id"])).to_have_count(0)
    link = page.get_by_role("link", name=re.compile("^Later trips"))
    expect(link).to_have_text(f"Later trips: from {later:%a %-d %b %Y}, show the next days")
    shoot(page, "crew-dispatch-later-trips-link")

    link.click()
    expect(page).to_have_url(re.compile(rf"/dispatch\?from={later.isoformat()}$"))
    expect(card(page, second["event_id"])).to_be_visible()
    expect(card(page, first["event_id"])).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Later trips"))).to_have_count(0)
    shoot(page, "crew-dispatch-later-page")

    page.get_by_role("link", name="Back to today's trips").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming trips")
