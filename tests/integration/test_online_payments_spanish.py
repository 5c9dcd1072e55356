"""Issue 28's patron pages in Spanish (issue 30): the Pay form and its tip presets, its
errors (a refused tip 422, too many payments 429, Stripe down 503), the return page in
each of its states, and Stripe Checkout opened in the patron's language; and the
operator's email for an online payment names its tip. The real `stripe` library
against the local stand-in (tests/fake_stripe.py), the ledger in dynalite."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.clock import day_label_in
from server.domain.money import format_money_in
from server.domain.online import MAX_TIP
from server.domain.rate_limits import PAYS_PER_IP
from server.store import Store
from tests.conftest import add_event, csrf_from
from tests.fake_gmail import FakeGmail, text_of
from tests.fake_stripe import FakeStripe, sign
from tests.helpers.flows import gmail_env
from tests.helpers.flows import sign as sign_waiver

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
PRICE = Decimal("1200.00")  # add_event's trip price
# The English of every string marked on these pages: none may show on a Spanish one.
ENGLISH = (
    "Pay online",
    "Pay the balance",
    "The balance due for your trip is",
    "Stripe’s secure page",
    "Add a tip for the crew",
    "(optional)",
    "No tip",
    "Another amount",
    "Tip amount (USD)",
    "Your trip is paid in full",
    "Paid — thank you",
    "Your payment of",
    "Payment received, recording…",
    "Stripe has taken your payment",
    "Check again",
    "Checking your payment…",
    "We could not confirm your payment",
    "Payment not completed",
    "This payment has not gone through",
    "Back to the trip",
    "There is a problem",
    "Nothing was charged",
    "dollars and cents",
    "Choose one of the tips shown",
    "The tip cannot be more than",
)


def english_left(html: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in html]


@pytest.fixture
def patron(pay_store: Store) -> Iterator[TestClient]:
    """A patron whose browser asks for Spanish (every request sends Accept-Language)."""
    with TestClient(create_app(pay_store.settings, pay_store), headers=SPANISH) as client:
        yield client


def start_payment(client: TestClient, event_id: str, **fields: str) -> Any:
    page = client.get(f"/g/{event_id}")
    key = re.search(r'name="payment_key" value="([0-9a-f-]+)"', page.text)
    assert key, "the trip page has no pay form"
    form = {"csrf_token": csrf_from(page.text), "payment_key": key.group(1), **fields}
    return client.post(f"/g/{event_id}/pay", data=form, follow_redirects=False)


def session_of(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def deliver(client: TestClient, body: bytes) -> None:
    answer = client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": sign(body)})
    assert answer.status_code == 200, answer.text


def test_the_spanish_trip_page_offers_pay_and_the_tips_in_spanish(
    patron: TestClient, pay_store: Store
) -> None:
    event = add_event(pay_store, days_ahead=3)
    page = patron.get(f"/g/{event['event_id']}")
    assert page.status_code == 200 and '<html lang="es">' in page.text
    html = page.text
    balance = format_money_in(PRICE, "es")
    assert f"Pagar el saldo ({balance})" in html
    assert f'El saldo pendiente de su viaje es <strong class="balance">{balance}</strong>' in html
    assert "Pagar en línea" in html and "Añadir una propina para la tripulación" in html
    assert "Sin propina" in html and "Otra cantidad" in html
    assert f"15 % ({format_money_in(Decimal('180.00'), 'es')})" in html  # a preset, in Spanish
    assert english_left(html) == []
    # Paid in full: the Spanish thanks, no form.
    pay_store.events.append_payment(
        event["event_id"],
        {
            "payment_id": "0d3b8e0e-8f0a-4a5e-9c1e-2f6a1b7c9d01",
            "kind": "payment",
            "amount": PRICE,
            "method": "cash",
            "note": "",
            "logged_by": "crew@example.com",
            "logged_by_name": "Crew",
            "logged_at": "2026-12-01T10:00:00Z",
        },
        100,
        300_000,
    )
    done = patron.get(f"/g/{event['event_id']}").text
    assert "Su viaje está pagado por completo. ¡Gracias!" in done and english_left(done) == []


def test_the_page_after_a_spanish_signature_offers_pay_in_spanish(
    patron: TestClient, pay_store: Store
) -> None:
    event = add_event(pay_store, days_ahead=3)
    signed = sign_waiver(patron, event["event_id"])
    assert signed.status_code == 303, signed.text
    page = patron.get(signed.headers["location"]).text
    assert "Renuncia firmada" in page
    assert f"Pagar el saldo ({format_money_in(PRICE, 'es')})" in page and "Sin propina" in page
    assert english_left(page) == []


def test_pay_on_a_cancelled_trip_is_refused_in_spanish(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    page = patron.get(f"/g/{event['event_id']}").text
    pay_store.events.set_status(event["event_id"], "cancelled")
    form = {"csrf_token": csrf_from(page), "payment_key": "0d3b8e0e-8f0a-4a5e-9c1e-2f6a1b7c9d02"}
    answer = patron.post(f"/g/{event['event_id']}/pay", data=form, follow_redirects=False)
    assert answer.status_code == 410
    assert "Este viaje se canceló, así que no hay nada que pagar." in answer.text
    assert "nothing to pay" not in answer.text and fake.created == []


@pytest.mark.parametrize(
    ("fields", "field", "spanish"),
    [
        ({"tip": "custom", "tip_custom": "mucho"}, "tip_custom", "Escriba la propina en dólares"),
        ({"tip": "custom", "tip_custom": ""}, "tip_custom", "Escriba la cantidad de la propina"),
        ({"tip": "custom", "tip_custom": "-5"}, "tip_custom", "La propina debe ser mayor que cero"),
        ({"tip": "custom", "tip_custom": "2.505"}, "tip_custom", "Use como máximo dos decimales"),
        (
            {"tip": "custom", "tip_custom": "9999"},
            "tip_custom",
            f"La propina no puede ser mayor que {format_money_in(MAX_TIP, 'es')}.",
        ),
        ({"tip": "7"}, "tip", "Elija una de las propinas que se muestran, o ninguna"),
    ],
)
def test_a_refused_tip_is_a_spanish_422_next_to_its_field_and_nothing_is_created(
    patron: TestClient,
    pay_store: Store,
    fake: FakeStripe,
    fields: dict[str, str],
    field: str,
    spanish: str,
) -> None:
    event = add_event(pay_store, days_ahead=3)
    answer = start_payment(patron, event["event_id"], **fields)
    assert answer.status_code == 422
    message = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', answer.text)
    assert message and spanish in message.group(1)
    assert "Hay un problema" in answer.text and english_left(answer.text) == []
    assert fake.created == []


def test_too_many_payments_and_stripe_down_are_answered_in_spanish(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    fake.mode = "down"
    down = start_payment(patron, event["event_id"])
    assert down.status_code == 503
    assert "No se pudo abrir la página de pago en este momento. No se cobró nada" in down.text
    assert english_left(down.text) == []
    fake.mode = "ok"
    for _ in range(PAYS_PER_IP.most - 1):
        assert start_payment(patron, event["event_id"]).status_code == 303
    refused = start_payment(patron, event["event_id"])
    assert refused.status_code == 429
    assert "Se acaban de iniciar muchos pagos desde esta conexión" in refused.text
    assert '<html lang="es">' in refused.text and english_left(refused.text) == []


def test_the_spanish_return_page_in_each_of_its_states(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_id = session_of(start_payment(patron, event["event_id"], tip="20"))
    back = f"/g/{event['event_id']}/paid?session_id={session_id}"
    unpaid = patron.get(back).text
    assert "Pago no completado" in unpaid and "Volver al viaje" in unpaid
    assert english_left(unpaid) == []
    fake.mode = "down"
    unknown = patron.get(back).text
    assert "Comprobando su pago…" in unknown and "Volver a comprobar" in unknown
    assert english_left(unknown) == []
    fake.mode = "ok"
    body = fake.complete(session_id)
    recording = patron.get(back).text
    assert "Pago recibido, registrándolo…" in recording and english_left(recording) == []
    deliver(patron, body)
    paid = patron.get(back)
    assert paid.status_code == 200 and '<html lang="es">' in paid.text
    day = day_label_in(date.fromisoformat(str(event["date"])), "es", long=True, year=False)
    total = format_money_in(PRICE + Decimal("240.00"), "es")
    assert "Pagado — gracias" in paid.text
    assert f"Su pago de {total} quedó registrado para su viaje del {day}." in paid.text
    assert english_left(paid.text) == []
    # An unknown session: the patron's 404, in Spanish.
    missing = patron.get(f"/g/{event['event_id']}/paid?session_id=cs_test_nope")
    assert missing.status_code == 404 and '<html lang="es">' in missing.text
    assert "There is nothing at this address" not in missing.text


def test_stripe_checkout_opens_in_the_patrons_language(
    patron: TestClient, pay_store: Store, fake: FakeStripe
) -> None:
    event = add_event(pay_store, days_ahead=3)
    session_of(start_payment(patron, event["event_id"], tip="15"))
    (spanish,) = fake.created
    assert spanish["locale"] == "es"
    day = day_label_in(date.fromisoformat(str(event["date"])), "es")
    names = [line["price_data"]["product_data"]["name"] for line in spanish["line_items"].values()]
    assert names == [f"Saldo de su viaje del {day}", "Propina para la tripulación"]
    # The same patron switches to English: Stripe's page is English too.
    patron.get(f"/g/{event['event_id']}?lang=en")
    session_of(start_payment(patron, event["event_id"], tip="15"))
    english = fake.created[-1]
    assert english["locale"] == "en"
    names = [line["price_data"]["product_data"]["name"] for line in english["line_items"].values()]
    assert names[1] == "Tip for the crew" and names[0].startswith("Balance of your trip on ")


def test_the_operators_email_for_an_online_payment_names_its_tip(
    store_with: Callable[..., Store], fake: FakeStripe, gmail: FakeGmail
) -> None:
    mail_store = store_with(**fake.env(), **gmail_env(gmail))
    app = create_app(mail_store.settings, mail_store)
    with TestClient(app, base_url="https://crew.charter.example") as client:
        event = add_event(mail_store, days_ahead=3)
        session_id = session_of(start_payment(client, event["event_id"], tip="20"))
        deliver(client, fake.complete(session_id))
    (message,) = gmail.messages
    text = text_of(message)
    assert "Amount:      $1,200.00" in text
    assert "Tip:         $240.00" in text and "Method:      online" in text
    assert "$240.00 tip" in str(message["Subject"])
