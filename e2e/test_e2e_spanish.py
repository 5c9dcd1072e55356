"""Issue 30 in the browser: a patron whose iPhone asks for Spanish (Accept-Language es)
gets the trip page, the waiver, its errors and the confirmation in Spanish, JavaScript on
and off; at 320 px nothing overflows and the tap targets hold; axe finds nothing serious;
the English | Español switch works and is remembered."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.helpers import wait_for_htmx
from e2e.test_e2e_accessibility import Axe, assert_fits
from e2e.test_e2e_waivers import ADULT

MakeEvent = Callable[..., dict[str, Any]]
Shoot = Callable[[Page, str], None]
SPANISH_PHONE = "es-MX"  # Playwright sends it as Accept-Language
FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def spanish_page(new_context: Callable[..., BrowserContext], **options: Any) -> Page:
    return new_context(locale=SPANISH_PHONE, **options).new_page()


def tap_targets_hold(page: Page, *names: str) -> None:
    for name in names:
        box = page.get_by_role("link", name=name, exact=True).first.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (name, box)


def at_320_px(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 568})
    assert page.evaluate(FITS), page.url
    tap_targets_hold(page, "English", "Español")
    page.set_viewport_size({"width": 390, "height": 844})


def test_a_spanish_phone_signs_the_waiver_in_spanish(
    js: bool, new_context: Callable[..., BrowserContext], make_event: MakeEvent, shoot: Shoot
) -> None:
    page = spanish_page(new_context, java_script_enabled=js)
    event = make_event(party_size="4", boat="Orca", meeting_point="Muelle B")
    event_id = event["event_id"]
    page.goto(f"/g/{event_id}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Bienvenidos a bordo, el grupo de {event['patron_first_name']}"
    )
    expect(page.get_by_role("heading", name="Qué traer")).to_be_visible()
    switch = page.get_by_role("navigation", name="Idioma")
    expect(switch.get_by_role("link", name="Español")).to_have_attribute("aria-current", "true")
    sign = page.get_by_role("link", name="Firmar la renuncia")
    page.set_viewport_size({"width": 320, "height": 568})
    box = sign.bounding_box()
    assert box is not None and box["height"] >= 44 and box["y"] + box["height"] <= 568, box
    page.set_viewport_size({"width": 390, "height": 844})
    at_320_px(page)
    shoot(page, "patron-trip-es")

    sign.click()
    expect(page.get_by_role("heading", name="Renuncia de responsabilidad")).to_be_visible()
    text = page.locator("article.waiver-text")
    expect(text).to_have_attribute("lang", "es")
    expect(text.get_by_role("heading", level=2)).to_have_text(
        re.compile("^Liberación de responsabilidad")
    )
    note = page.locator(".translation-note")
    expect(note).to_contain_text("rige el texto en inglés")
    original = note.locator("details")
    expect(original.locator(".waiver-text")).to_be_hidden()
    original.locator("summary").click()  # the English original, one tap away
    expect(original.locator(".waiver-text")).to_contain_text("Release of Liability")
    original.locator("summary").click()
    at_320_px(page)
    shoot(page, "patron-waiver-es")

    if js:
        wait_for_htmx(page)
    form = page.locator("form#waiver-form")
    form.evaluate("form => { form.noValidate = true; }")
    for name, value in ADULT.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=phone]").fill("12")
    form.locator("[name=agree_terms]").check()
    form.locator("[name=esign_consent]").check()
    form.locator("[name=signature]").fill(ADULT["full_name"])
    form.get_by_role("button", name="Firmar la renuncia", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Hay un problema")
    expect(summary.get_by_role("link")).to_have_text(
        re.compile("^Escriba un número de teléfono de 7 a 15 dígitos")
    )
    expect(page.locator("#phone-error")).to_contain_text("Escriba un número de teléfono")
    at_320_px(page)
    shoot(page, "patron-waiver-errors-es")

    form = page.locator("form#waiver-form")
    form.evaluate("form => { form.noValidate = true; }")
    form.get_by_label("Teléfono", exact=True).first.fill(ADULT["phone"])
    form.get_by_role("button", name="Firmar la renuncia", exact=True).click()
    page.wait_for_url(re.compile(rf"/waiver/signed/{UUID}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Renuncia firmada")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main")).to_contain_text(f"Gracias, {ADULT['full_name']}.")
    at_320_px(page)
    shoot(page, "patron-signed-es")


def test_the_switch_goes_to_english_and_stays(
    js: bool, new_context: Callable[..., BrowserContext], make_event: MakeEvent
) -> None:
    page = spanish_page(new_context, java_script_enabled=js)
    event_id = make_event()["event_id"]
    page.goto(f"/g/{event_id}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Sign the waiver")).to_be_visible()
    page.get_by_role("link", name="Sign the waiver").click()  # the cookie, not the phone
    expect(page.get_by_role("heading", name="Liability waiver")).to_be_visible()
    expect(page.locator(".translation-note")).to_have_count(0)
    page.get_by_role("link", name="Español", exact=True).click()
    expect(page.get_by_role("heading", name="Renuncia de responsabilidad")).to_be_visible()


def test_axe_finds_nothing_serious_on_the_spanish_pages(
    new_context: Callable[..., BrowserContext], make_event: MakeEvent
) -> None:
    page = spanish_page(new_context, bypass_csp=True)
    axe = Axe(page)
    event_id = make_event()["event_id"]
    page.goto(f"/g/{event_id}")
    axe.check("trip page (es)")
    page.goto(f"/g/{event_id}/waiver")
    wait_for_htmx(page)
    page.locator(".translation-note summary").click()
    axe.check("waiver form (es), the English original open")
    page.locator("form#waiver-form").evaluate("form => { form.noValidate = true; }")
    with page.expect_response(re.compile(r"/waiver$")) as answer:
        page.get_by_role("button", name="Firmar la renuncia", exact=True).click()
    assert answer.value.status == 422
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("waiver form with errors (es)")
    form = page.locator("form#waiver-form")
    for name, value in ADULT.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=agree_terms]").check()
    form.locator("[name=esign_consent]").check()
    form.locator("[name=signature]").fill(ADULT["full_name"])
    form.get_by_role("button", name="Firmar la renuncia", exact=True).click()
    page.wait_for_url(re.compile(rf"/waiver/signed/{UUID}$"))
    axe.check("waiver signed (es)")
    page.go_back()
    expect(page.get_by_role("heading", name="Renuncia ya firmada")).to_be_visible()
    axe.check("waiver already signed (es)")
    page.goto("/g/2026-01-01-nobody-here")
    expect(page.get_by_role("heading", name="No encontrado")).to_be_visible()
    axe.check("404 (es)")
    axe.assert_clean()


def test_spanish_at_320_px_and_200_percent_text_does_not_scroll_sideways(
    browser: Browser, base_url: str, make_event: MakeEvent
) -> None:
    """WCAG reflow with the longer Spanish words: a 320 CSS px window (not the phone
    profile, whose viewport would widen itself to hide an overflow), text at 200 %."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 320, "height": 640}, locale=SPANISH_PHONE
    )
    page = context.new_page()
    event_id = make_event(meeting_point="Muelle del capitán de puerto, al fondo")["event_id"]
    problems: list[str] = []
    for path in (f"/g/{event_id}", f"/g/{event_id}/waiver", "/g/2026-01-01-nobody-here"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert_fits(page, path, problems)
    context.close()
    assert not problems, "\n".join(problems)
