"""Issue 30: the patron's side in Spanish, through the app against dynalite: the
language chosen from Accept-Language, the switch, the cookie and `?lang=`; a Spanish
signature storing `es` and the hashes of the Spanish text and of its English original;
the signer's copy in Spanish; the captain's record and manifest naming the language."""

from __future__ import annotations

import re
from datetime import date

from starlette.testclient import TestClient

from server.domain.clock import day_label_in, human_time_in
from server.domain.rate_limits import TRIP_MISSES_PER_IP
from server.domain.waiver_rules import CURRENT_ESIGN, CURRENT_WAIVER, PINNED
from server.store import Store
from tests.conftest import add_event, sign_in
from tests.fake_gmail import FakeGmail, text_of
from tests.helpers.flows import sign, signer, waiver_form

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def test_accept_language_es_gives_the_trip_page_in_spanish(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, days_ahead=3, first_name="Alice", boat="Orca")
    page = client.get(f"/g/{event['event_id']}", headers=SPANISH)
    assert page.status_code == 200
    text = page.text
    assert '<html lang="es">' in text
    assert "Bienvenidos a bordo, el grupo de Alice" in text and "Welcome aboard" not in text
    assert "Firmar la renuncia" in text and "Qué traer" in text
    # Dates in Spanish, by Babel, in the operator's zone.
    day = day_label_in(date.fromisoformat(str(event["date"])), "es", long=True)
    assert day in text and re.search(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo)", day)
    # The switch: plain links, each in its own language, the current one marked.
    assert (
        'href="/g/{}?lang=en" lang="en" hreflang="en">English</a>'.format(event["event_id"]) in text
    )
    assert 'lang="es" hreflang="es" aria-current="true">Español</a>' in text
    assert "Accept-Language" in page.headers["vary"] and "Cookie" in page.headers["vary"]
    english = client.get(f"/g/{event['event_id']}")  # no header: English
    assert '<html lang="en">' in english.text and "Welcome aboard, Alice’s party" in english.text


def test_lang_link_wins_and_is_remembered_in_a_cookie(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=2, first_name="Ana")
    trip = f"/g/{event['event_id']}"
    chosen = client.get(f"{trip}?lang=es")  # a Spanish link the captain shares
    assert '<html lang="es">' in chosen.text
    assert "scc_lang=es" in chosen.headers["set-cookie"]
    later = client.get(f"{trip}/waiver", headers={"Accept-Language": "en-US"})
    assert '<html lang="es">' in later.text and "Renuncia de responsabilidad" in later.text
    back = client.get(f"{trip}?lang=en", headers=SPANISH)  # the switch beats the header
    assert '<html lang="en">' in back.text and "scc_lang=en" in back.headers["set-cookie"]
    assert '<html lang="en">' in client.get(trip, headers=SPANISH).text  # the cookie now
    assert client.get(f"{trip}?lang=xx").status_code == 200  # unknown: ignored, no error


def test_crew_pages_stay_english(client: TestClient, store: Store) -> None:
    sign_in(client, store)
    page = client.get("/dispatch?lang=es", headers=SPANISH)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "scc_lang" not in page.headers.get("set-cookie", "")
    assert 'hreflang="es"' not in page.text  # no switch off the patron's pages


def test_a_spanish_signature_stores_es_and_both_hashes(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=2)
    client.headers.update(SPANISH)
    form = client.get(f"/g/{event['event_id']}/waiver")
    text = form.text
    assert "Liberación de responsabilidad" in text and "Sus datos" in text
    assert 'name="language" value="es"' in text
    assert f'name="waiver_version" value="{CURRENT_WAIVER}"' in text  # the English id
    # It says it is a translation and which text governs, the original a tap away.
    assert "Si hay alguna diferencia entre los dos, rige el texto en inglés" in text
    assert "<summary>Leer el original en inglés</summary>" in text
    assert "Release of Liability" in text  # inside the disclosure
    response = sign(client, event["event_id"])
    assert response.status_code == 303, response.text
    [waiver] = store.waivers.for_event(event["event_id"])
    assert waiver["language"] == "es"
    assert waiver["waiver_version"] == CURRENT_WAIVER
    assert waiver["waiver_sha256"] == PINNED[f"{CURRENT_WAIVER}.es"]
    assert waiver["waiver_original_sha256"] == PINNED[CURRENT_WAIVER]
    assert waiver["esign_sha256"] == PINNED[f"{CURRENT_ESIGN}.es"]
    assert waiver["esign_original_sha256"] == PINNED[CURRENT_ESIGN]
    assert waiver["waiver_sha256"] != waiver["waiver_original_sha256"]
    signed = client.get(response.headers["location"])
    assert "Renuncia firmada" in signed.text and PINNED[f"{CURRENT_WAIVER}.es"] in signed.text
    assert "negligencia grave" in signed.text  # the Spanish text, the one signed


def test_an_english_signature_stores_en_and_equal_hashes(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=2)
    assert sign(client, event["event_id"]).status_code == 303
    [waiver] = store.waivers.for_event(event["event_id"])
    assert waiver["language"] == "en"
    assert waiver["waiver_sha256"] == waiver["waiver_original_sha256"] == PINNED[CURRENT_WAIVER]


def test_the_spanish_form_refuses_in_spanish(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=2)
    client.headers.update(SPANISH)
    data = signer(waiver_form(client, event["event_id"]), phone="12", signature="Someone Else")
    refused = client.post(f"/g/{event['event_id']}/waiver", data=data)
    assert refused.status_code == 422
    text = refused.text
    assert "Hay un problema" in text
    assert "Escriba un número de teléfono de 7 a 15 dígitos" in text
    assert "Escriba su nombre exactamente como en «Nombre legal completo», arriba." in text
    assert "There is a problem" not in text and "Enter a phone number" not in text
    assert store.waivers.for_event(event["event_id"]) == []
    assert "Sin conexión: su renuncia no se envió" in text  # the no-connection message


def test_the_patrons_error_pages_are_in_spanish(client: TestClient, store: Store) -> None:
    missing = client.get("/g/2026-01-01-nobody-here", headers=SPANISH)
    assert missing.status_code == 404 and '<html lang="es">' in missing.text
    assert "No encontrado" in missing.text and "Volver al inicio" in missing.text
    crew_missing = client.get("/dispatch/events/nothing", headers=SPANISH)
    assert '<html lang="en">' in crew_missing.text


def test_the_signers_copy_is_in_spanish(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store, days_ahead=2)
    mail_client.headers.update(SPANISH)
    assert sign(mail_client, event["event_id"]).status_code == 303
    [message] = gmail.messages
    [waiver] = mail_store.waivers.for_event(event["event_id"])
    reference = waiver["waiver_id"][:8].upper()
    assert message["Subject"] == f"Su renuncia firmada, referencia {reference}"
    text = text_of(message)
    assert "Hola, Alice Smith:" in text and "Número de referencia: " in text
    signed = human_time_in(
        waiver["signed_at"], mail_store.settings.timezone, "es", always_day=True, zone=True
    )
    assert signed in text
    assert "negligencia grave" in text and "gross negligence" not in text  # the text signed
    assert PINNED[f"{CURRENT_WAIVER}.es"] in text
    html = text_of(message, "html")
    assert '<html lang="es">' in html and "<ol>" in html


def test_the_captain_sees_which_language_each_guest_signed_in(
    client: TestClient, store: Store
) -> None:
    event = add_event(store, days_ahead=0)
    assert sign(client, event["event_id"], name="Ana Ruiz").status_code == 303
    client.cookies.clear()
    assert sign(client, event["event_id"], name="Bea Smith").status_code == 303
    client.cookies.clear()
    client.headers.update(SPANISH)
    assert sign(client, event["event_id"], name="Carla Ruiz").status_code == 303
    del client.headers["Accept-Language"]
    client.cookies.clear()
    sign_in(client, store, "captain")
    manifest = client.get(f"/dispatch/events/{event['event_id']}/manifest").text
    carla = manifest[manifest.index("Carla Ruiz") :][:600]
    assert 'Waiver signed in <span lang="es">Español</span>' in carla
    bea = manifest[manifest.index("Bea Smith") :][:600]
    assert "Waiver signed in" not in bea
    waiver = next(
        w for w in store.waivers.for_event(event["event_id"]) if w["full_name"] == "Carla Ruiz"
    )
    record = client.get(f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}").text
    assert "Language signed in</dt><dd>Español (translation standard-v1.es)" in record
    assert PINNED["standard-v1"] in record and PINNED["standard-v1.es"] in record
    assert '<div class="printable-text legal" lang="es">' in record


def test_the_patrons_429_is_in_spanish(client: TestClient, store: Store) -> None:
    event = add_event(store, days_ahead=2)
    for _ in range(TRIP_MISSES_PER_IP.most):
        assert client.get("/g/2030-01-01-guess", headers=SPANISH).status_code == 404
    blocked = client.get(f"/g/{event['event_id']}", headers=SPANISH)
    assert blocked.status_code == 429 and '<html lang="es">' in blocked.text
    assert "Espere, por favor" in blocked.text
    assert "Demasiados enlaces de viaje desde esta conexión" in blocked.text
    assert "Too many trip links" not in blocked.text
