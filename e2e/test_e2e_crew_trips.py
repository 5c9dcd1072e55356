"""Crew on a trip in the browser (issue 27), iPhone profile, JavaScript on and off: a
deckhand's dashboard opens on "My trips" with "All trips" one tap away, each card naming
its crew; the captain assigns a master and a deckhand on the event page and sees the
warnings change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from e2e.desk import CaptainDesk
from e2e.helpers import Account, card, sign_in

MakeEvent = Callable[..., dict[str, Any]]
Shoot = Callable[[Page, str], None]


def test_a_deckhands_my_trips_and_all_trips(
    js_page: Page, js: bool, desk: CaptainDesk, make_event: MakeEvent, shoot: Shoot
) -> None:
    page = js_page
    # A deckhand of this test's own: the session's shared crew account stays unassigned,
    # so every other test's dashboard shows all trips.
    deckhand = desk.add_crew()
    mine = make_event(start_time="00:01")
    other = make_event(start_time="00:02")
    desk.assign_crew(mine["event_id"], deckhand.email, "deckhand")
    sign_in(page, deckhand)

    expect(page.get_by_role("link", name="My trips")).to_have_attribute("aria-current", "page")
    expect(card(page, mine["event_id"])).to_be_visible()
    expect(card(page, mine["event_id"]).locator(".card-crew")).to_have_text(
        f"Crew: {deckhand.name}"
    )
    expect(card(page, other["event_id"])).to_have_count(0)
    shoot(page, f"crew-my-trips-{'js' if js else 'nojs'}")

    page.get_by_role("link", name="All trips").click()
    expect(page.get_by_role("link", name="All trips")).to_have_attribute("aria-current", "page")
    expect(card(page, other["event_id"])).to_be_visible()
    expect(card(page, other["event_id"]).locator(".card-crew")).to_have_text("No crew assigned")
    expect(card(page, mine["event_id"])).to_be_visible()

    page.get_by_role("link", name="My trips").click()
    expect(card(page, other["event_id"])).to_have_count(0)

    # Their account page (their name at the top): a private calendar address.
    page.get_by_role("link", name=deckhand.name).click()
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Your calendar address")
    expect(address).to_have_value(re.compile(r"/calendar/[A-Za-z0-9_-]{43}\.ics$"))
    shoot(page, f"crew-account-{'js' if js else 'nojs'}")
    feed = page.request.get(address.input_value())
    assert feed.status == 200 and mine["event_id"] in feed.text()
    assert other["event_id"] not in feed.text()


def test_the_captain_assigns_crew_on_the_event_page(
    js_page: Page,
    js: bool,
    captain: Account,
    desk: CaptainDesk,
    make_event: MakeEvent,
    shoot: Shoot,
) -> None:
    page = js_page
    master = desk.add_crew()
    deckhand = desk.add_crew()
    event = make_event(days_ahead=1)
    sign_in(page, captain)
    page.goto(f"/admin/events/{event['event_id']}/edit")
    crew = page.locator("#crew")
    expect(crew.get_by_text("No master is assigned to this trip.")).to_be_visible()

    crew.get_by_label("Crew member").select_option(master.email)
    crew.get_by_label("Master (the licensed operator in charge)").check()
    crew.get_by_role("button", name="Assign").click()
    expect(crew.get_by_role("status")).to_have_text("Crew assigned.")
    expect(crew.get_by_text("No master is assigned to this trip.")).to_have_count(0)
    expect(
        crew.get_by_text(f"Master {master.name} has no USCG credential expiry recorded.")
    ).to_be_visible()

    crew.get_by_label("Crew member").select_option(deckhand.email)
    crew.get_by_role("button", name="Assign").click()
    expect(crew.locator(".crew-list li")).to_have_count(2)
    expect(crew.locator(".crew-list li").first).to_contain_text(f"{master.name} · Master")
    expect(crew.locator(".crew-list li").nth(1)).to_contain_text(f"{deckhand.name} · Deckhand")
    expect(crew.get_by_text(f"{deckhand.name} is not enrolled in drug testing.")).to_be_visible()
    shoot(page, f"captain-assigns-crew-{'js' if js else 'nojs'}")

    crew.get_by_role("button", name=f"Remove {deckhand.name}").click()
    expect(crew.locator(".crew-list li")).to_have_count(1)
    page.reload()
    expect(page.locator("#crew .crew-list li")).to_have_count(1)
    expect(page.locator("#crew .crew-list li")).to_contain_text(f"{master.name} · Master")
