"""Issue 30: which language a patron gets, the Spanish waiver texts as versions of their
own, and dates, times and money in Spanish."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.domain.clock import clock_label_in, clock_time_in, day_label_in, human_time_in
from server.domain.forms import FormErrors
from server.domain.languages import choose, from_accept_language, translator
from server.domain.money import format_money_in
from server.domain.waiver_rules import (
    PINNED,
    load_text,
    shown_text,
    text_of,
    validate_waiver,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,es;q=0.5", "es"),  # French is not offered: the next one that is
        ("en;q=0.2,es;q=0.9", "es"),  # q-values, not the order, decide
        ("es;q=0,en", "en"),  # q=0 means "not this one"
        ("fr,de", None),
        ("", None),
        (None, None),
        ("es;q=zzz,en", "en"),  # a broken q-value: that tag is left out
        ("*", None),
        ("es;q=0", None),
        ("en,es", "en"),  # the same quality: the order decides
        ("fr," * 20 + "es", None),  # only the first 20 tags are read
        ("ES", "es"),  # a tag's case does not matter, and the answer is the one spelling
        ("en-GB;q=0.4,es-MX;q=0.8", "es"),
        ("fr;q=0.9,es-419;q=0.5,en;q=0.4", "es"),  # the best offered one, by its first part
        ("es;q=1.5,en", "es"),  # an out-of-range q-value is still read as a number
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_the_link_beats_the_cookie_which_beats_the_browser() -> None:
    assert choose("es", "en", "en-US") == "es"
    assert choose("en", "es", "es-MX") == "en"
    assert choose(None, "es", "en-US") == "es"
    assert choose(None, None, "es-MX") == "es"
    assert choose(None, None, None) == "en"
    assert choose("xx", "yy", "es") == "es"  # unknown values are ignored, not errors
    assert choose("ES", None, None) == "es"


def test_the_spanish_texts_are_versions_of_their_own() -> None:
    spanish, english = text_of("standard-v1", "es"), text_of("standard-v1")
    assert spanish.version == "standard-v1.es" and spanish.language == "es"
    assert spanish.original_version == english.version == "standard-v1"
    assert spanish.sha256 == PINNED["standard-v1.es"] != english.sha256
    assert "Liberación de responsabilidad" in spanish.text and "negligencia grave" in spanish.text
    esign = text_of("esign-v1", "es")
    assert esign.sha256 == PINNED["esign-v1.es"] and "ESIGN" in esign.text
    with pytest.raises(KeyError):
        text_of("standard-v1", "fr")
    with pytest.raises(KeyError):
        text_of("standard-v1.es", "es")  # a version is named by its English id
    assert shown_text("standard-v1", "fr").language == "en"  # not translated: English


def test_an_edited_spanish_text_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from server.domain import waiver_rules

    source = waiver_rules.WAIVER_DIR / "standard-v1.es.md"
    (tmp_path / "standard-v1.es.md").write_bytes(source.read_bytes() + b"\nOtra cosa.\n")
    monkeypatch.setattr(waiver_rules, "WAIVER_DIR", tmp_path)
    load_text.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="publish a new version"):
            load_text("standard-v1.es")
    finally:
        monkeypatch.undo()
        load_text.cache_clear()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "waiver_id": "5b0f2c54-64a7-4f4e-9a53-0c7d9b1f1a11",
        "waiver_version": "standard-v1",
        "esign_version": "esign-v1",
        "language": "es",
        "full_name": "Ana Ruiz",
        "date_of_birth": "1990-04-21",
        "email": "ana@example.com",
        "phone": "+52 55 1234 5678",
        "emergency_name": "Luis Ruiz",
        "emergency_phone": "+52 55 8765 4321",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": "Ana Ruiz",
        **overrides,
    }


def test_a_spanish_form_signs_the_spanish_texts() -> None:
    signed = validate_waiver(_form(), date(2026, 12, 5), date(2026, 12, 1))
    assert signed.language == "es"
    assert signed.waiver.version == "standard-v1.es" and signed.esign.version == "esign-v1.es"
    assert [t.version for t in signed.originals] == ["standard-v1", "esign-v1"]
    english = validate_waiver(_form(language="de"), date(2026, 12, 5), date(2026, 12, 1))
    assert english.language == "en" and english.waiver.version == "standard-v1"


def test_the_waiver_rules_word_their_messages_in_spanish() -> None:
    with pytest.raises(FormErrors) as refused:
        validate_waiver(
            _form(full_name="", phone="12", date_of_birth="2015-01-01", agree_terms=""),
            date(2026, 12, 5),
            date(2026, 12, 1),
            translator("es"),
        )
    errors = refused.value.errors
    assert errors["full_name"] == "Escriba su nombre legal completo."
    assert errors["phone"].startswith("Escriba un número de teléfono de 7 a 15 dígitos")
    assert errors["agree_terms"].startswith("Marque la casilla")
    with pytest.raises(FormErrors) as minor:
        validate_waiver(
            _form(date_of_birth="2015-01-01"),
            date(2026, 12, 5),
            date(2026, 12, 1),
            translator("es"),
        )
    assert minor.value.errors["date_of_birth"].startswith("La persona que firma debe tener 18 años")


def test_dates_times_and_money_in_spanish() -> None:
    day = date(2026, 12, 4)
    assert day_label_in(day, "es", long=True) == "viernes, 4 de diciembre de 2026"
    assert day_label_in(day, "es", long=True, year=False) == "viernes, 4 de diciembre"
    assert day_label_in(day, "es") == "vie, 4 de dic de 2026"
    assert day_label_in(day, "en", long=True) == "Friday 4 December 2026"  # English unchanged
    # CLDR keeps the time and its a.m. together with a narrow no-break space.
    assert clock_label_in(time(9, 30), "es") == "9:30\u202fa.m."
    assert (
        clock_time_in("21:05", "es") == "9:05\u202fp.m." and clock_time_in("later", "es") == "later"
    )
    assert clock_time_in("21:05", "en") == "9:05 pm"
    la = ZoneInfo("America/Los_Angeles")
    moment = datetime(2026, 12, 5, 1, 10, tzinfo=UTC)  # 5:10 pm on the 4th in Los Angeles
    assert human_time_in(moment, la, "es", always_day=True, zone=True) == (
        "vie, 4 de dic, 5:10\u202fp.m. PST"
    )
    assert format_money_in(Decimal("1200.5"), "es") == "$1,200.50"
    assert format_money_in(Decimal("1200.5"), "en") == "$1,200.50"


def test_one_environment_renders_each_rendering_in_its_own_language() -> None:
    import jinja2

    from server.domain.languages import install_gettext

    env = jinja2.Environment(autoescape=True)
    install_gettext(env)
    page = env.from_string(
        "{{ _('Sign the waiver') }}|{% trans %}\n  Sign the\n  waiver\n{% endtrans %}|"
        "{{ ngettext('%(num)d guest', '%(num)d guests', n) }}"
    )
    assert page.render(language="es", n=1) == "Firmar la renuncia|Firmar la renuncia|1 guest"
    assert page.render(language="en", n=2) == "Sign the waiver|Sign the waiver|2 guests"
    assert page.render(n=2) == "Sign the waiver|Sign the waiver|2 guests"


def test_an_unknown_language_formats_as_english() -> None:
    from server.domain.languages import babel_locale

    assert babel_locale("xx") == babel_locale("en")
