"""A patron pays the balance online (issue 28, item 10), on the iPhone profile: Pay on
the trip page, the Stripe stand-in's checkout page "pays" (it delivers the signed
webhook to the app) and sends the patron back, the page says paid, and a crew phone's
card shows the balance cleared.

This test runs a stage of its own (the suite's shared stage has no Stripe settings):
the app in uvicorn, with tests/fake_stripe.py as its Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, expect

from e2e.desk import CaptainDesk, desk_request, qa_first_name
from e2e.helpers import card, fact, sign_in_through_form
from e2e.stack import Stage, local_stage
from tests.fake_stripe import FakeStripe


@pytest.fixture(scope="module")
def stripe_stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stage, FakeStripe]]:
    fake = FakeStripe().start()
    try:
        folder: Path = tmp_path_factory.mktemp("stripe-stage")
        with local_stage(folder, extra_env=fake.env()) as stage:
            fake.webhook_url = f"{stage.base_url}/webhooks/stripe"
            yield stage, fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def stripe_desk(
    playwright: Playwright, stripe_stage: tuple[Stage, FakeStripe]
) -> Iterator[CaptainDesk]:
    """The stage's captain over HTTP, as the shared stage's desk (browser tests never
    reach into the database)."""
    stage, _ = stripe_stage
    request = desk_request(playwright, stage.base_url)
    desk = CaptainDesk(request, stage.captain)
    desk.sign_in()
    yield desk
    request.dispose()


def new_trip(desk: CaptainDesk) -> str:
    """A trip today priced $800.00, with nothing paid (its event id), made through the
    captain's New event form."""
    fields = {"period": "whale", "start_time": "23:30", "party_size": "4"}
    event = desk.create_event(desk.today(), qa_first_name(), **fields, total_price="800.00")
    return str(event["event_id"])


def test_a_patron_pays_online_and_the_crew_card_shows_the_balance_cleared(
    browser: Browser,
    browser_context_args: dict[str, Any],
    stripe_stage: tuple[Stage, FakeStripe],
    stripe_desk: CaptainDesk,
) -> None:
    stage, fake = stripe_stage
    event_id = new_trip(stripe_desk)
    crew = stripe_desk.add_crew("Qa Deck")

    args = {**browser_context_args, "base_url": stage.base_url}
    patron = browser.new_context(**args).new_page()
    patron.goto(f"/g/{event_id}")
    patron.get_by_label("18 % ($144.00)").check()
    patron.get_by_role("button", name="Pay the balance ($800.00)").click()
    expect(patron.get_by_role("heading", name="Pay $944.00")).to_be_visible()  # Stripe's page
    patron.get_by_role("button", name="Pay").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("Paid — thank you")
    expect(patron.get_by_role("status")).to_contain_text("$944.00")
    assert fake.deliveries == [200]
    patron.get_by_role("link", name="Back to the trip").click()
    expect(patron.get_by_role("status").first).to_have_text("Your trip is paid in full. Thank you!")
    patron.context.close()

    phone = browser.new_context(**args).new_page()
    sign_in_through_form(phone, crew)
    trip = card(phone, event_id)
    expect(fact(trip, "Balance due")).to_have_text("$0.00")
    phone.context.close()


def test_a_spanish_phone_pays_in_spanish_at_320_px_and_stripe_opens_in_spanish(
    browser: Browser,
    browser_context_args: dict[str, Any],
    stripe_stage: tuple[Stage, FakeStripe],
    stripe_desk: CaptainDesk,
) -> None:
    stage, fake = stripe_stage
    event_id = new_trip(stripe_desk)
    args = {**browser_context_args, "base_url": stage.base_url, "locale": "es-MX"}
    patron = browser.new_context(**args).new_page()  # Accept-Language: es-MX
    patron.goto(f"/g/{event_id}")
    pay = patron.get_by_role("button", name="Pagar el saldo ($800.00)")
    # The longer Spanish fits a 320 CSS px window, its controls still tap targets.
    patron.set_viewport_size({"width": 320, "height": 568})
    fits = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
    assert patron.evaluate(fits)
    box = pay.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 320
    patron.set_viewport_size({"width": 390, "height": 844})
    patron.get_by_role("radio", name="Otra cantidad").check()
    patron.get_by_label("Cantidad de la propina (USD), para “Otra cantidad”").fill("25,5.5")
    pay.click()
    expect(patron.locator("#tip_custom-error")).to_have_text(
        "Escriba la propina en dólares y centavos, por ejemplo 20 o 25.50."
    )
    patron.get_by_label("Cantidad de la propina (USD), para “Otra cantidad”").fill("100")
    patron.get_by_role("button", name="Pagar el saldo ($800.00)").click()
    expect(patron.get_by_role("heading", name="Pay $900.00")).to_be_visible()  # Stripe's page
    assert fake.created[-1]["locale"] == "es"
    patron.get_by_role("button", name="Pay").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("Pagado — gracias")
    expect(patron.get_by_role("status")).to_contain_text("$900.00")
    patron.get_by_role("link", name="Volver al viaje").click()
    expect(patron.get_by_role("status").first).to_have_text(
        "Su viaje está pagado por completo. ¡Gracias!"
    )
    patron.context.close()
