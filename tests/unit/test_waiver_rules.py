"""Waiver texts and validation (pure)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from server.domain.forms import FormErrors
from server.domain.legal_text import legal_html
from server.domain.waiver_rules import (
    CURRENT_ESIGN,
    CURRENT_WAIVER,
    PINNED,
    WAIVER_DIR,
    WaiverText,
    age_on,
    load_text,
    validate_waiver,
)

TRIP = date(2026, 7, 4)
TODAY = date(2026, 7, 1)


def good(**overrides: str) -> dict[str, str]:
    form = {
        "waiver_id": "6f1c1c1e-8d4e-4c9e-9a53-3c7a3f0d8a11",
        "waiver_version": CURRENT_WAIVER,
        "esign_version": CURRENT_ESIGN,
        "full_name": "Alice  Mary Smith",
        "date_of_birth": "1990-04-21",
        "email": "Alice@Example.com",
        "phone": "+1 (555) 123-4567",
        "emergency_name": "Bob Smith",
        "emergency_phone": "555 987 6543",
        "agree_terms": "yes",
        "esign_consent": "yes",
        "signature": "alice mary smith",
        "minor_rows": "0",
    }
    form.update(overrides)
    return form


def test_every_published_text_matches_its_pinned_hash() -> None:
    files = sorted(p.stem for p in WAIVER_DIR.glob("*.md"))
    assert files == sorted(PINNED)  # no unpinned text, no pin without its file
    for version in files:
        raw = (WAIVER_DIR / f"{version}.md").read_bytes()
        assert hashlib.sha256(raw).hexdigest() == PINNED[version]
        assert load_text(version).sha256 == PINNED[version]


def test_the_hash_changes_when_the_text_changes() -> None:
    original = load_text(CURRENT_WAIVER)
    edited = original.text.replace("gross negligence", "negligence")
    assert hashlib.sha256(edited.encode()).hexdigest() != original.sha256
    assert (
        WaiverText(original.version, original.text, original.sha256)
        .paragraphs[0]
        .startswith("# Release")
    )


def test_an_edited_published_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    load_text.cache_clear()
    monkeypatch.setitem(PINNED, CURRENT_WAIVER, "0" * 64)
    with pytest.raises(RuntimeError, match="publish a new version"):
        load_text(CURRENT_WAIVER)
    monkeypatch.undo()
    load_text.cache_clear()
    assert load_text(CURRENT_WAIVER).sha256 == PINNED[CURRENT_WAIVER]


def test_a_valid_form_is_normalised() -> None:
    signed = validate_waiver(good(), TRIP, TODAY)
    assert signed.full_name == "Alice Mary Smith"
    assert signed.email == "alice@example.com"
    assert signed.date_of_birth == date(1990, 4, 21)
    assert signed.waiver.version == CURRENT_WAIVER
    assert signed.waiver.sha256 == PINNED[CURRENT_WAIVER]
    assert signed.minors == []


def test_minors_are_read_from_their_rows_and_empty_rows_ignored() -> None:
    form = good(
        minor_rows="3",
        minor_name_0="Tim Smith",
        minor_dob_0="2015-08-01",
        minor_name_1="",
        minor_dob_1="",
        minor_name_2="Ann Smith",
        minor_dob_2="2026-01-05",
    )
    signed = validate_waiver(form, TRIP, TODAY)
    assert [(m.name, m.date_of_birth.year) for m in signed.minors] == [
        ("Tim Smith", 2015),
        ("Ann Smith", 2026),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "full legal name"),
        ({"full_name": "x" * 101}, "full_name", "100 characters"),
        ({"full_name": "12345"}, "full_name", "letters"),
        ({"date_of_birth": ""}, "date_of_birth", "Enter the date of birth"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", "real date"),
        ({"date_of_birth": "21/04/1990"}, "date_of_birth", "real date"),
        ({"date_of_birth": "2026-07-02"}, "date_of_birth", "future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "year"),
        ({"date_of_birth": "2008-07-05"}, "date_of_birth", "18 or older"),
        ({"email": "alice"}, "email", "email address"),
        ({"email": "a@b"}, "email", "email address"),
        ({"phone": ""}, "phone", "phone number"),
        ({"phone": "12345"}, "phone", "7 to 15 digits"),
        ({"phone": "call me maybe"}, "phone", "7 to 15 digits"),
        ({"emergency_name": ""}, "emergency_name", "contact name"),
        ({"emergency_phone": "1" * 16}, "emergency_phone", "7 to 15 digits"),
        ({"agree_terms": ""}, "agree_terms", "read and agree"),
        ({"esign_consent": ""}, "esign_consent", "paper waiver"),
        ({"signature": ""}, "signature", "Type your full name"),
        ({"signature": "Alice Smith"}, "signature", "exactly as"),
        ({"minor_rows": "1", "minor_name_0": "Tim", "minor_dob_0": ""}, "minor_dob_0", "date"),
        (
            {"minor_rows": "1", "minor_name_0": "", "minor_dob_0": "2015-01-01"},
            "minor_name_0",
            "minor's full name",
        ),
        (
            {"minor_rows": "1", "minor_name_0": "Old", "minor_dob_0": "2008-07-04"},
            "minor_dob_0",
            "signs their own waiver",
        ),
        (
            {"minor_rows": "1", "minor_name_0": "Unborn", "minor_dob_0": "2027-01-01"},
            "minor_dob_0",
            "future",
        ),
        ({"waiver_id": "nope"}, "form", "reference"),
        ({"waiver_version": "standard-v0"}, "form", "text changed"),
    ],
)
def test_each_bad_field_gets_its_own_message(
    overrides: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(FormErrors) as refused:
        validate_waiver(good(**overrides), TRIP, TODAY)
    assert message in refused.value.errors[field]


def test_the_adult_turning_18_on_the_trip_day_may_sign() -> None:
    signed = validate_waiver(good(date_of_birth="2008-07-04"), TRIP, TODAY)
    assert age_on(signed.date_of_birth, TRIP) == 18


def test_age_counts_whole_years() -> None:
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26


def test_legal_texts_render_as_markdown_without_raw_html() -> None:
    standard = str(legal_html(load_text("standard-v1").text))
    assert standard.startswith("<h2>Release of Liability")  # below the page's own h1
    assert standard.count("<li>") == 7 and "<ol>" in standard  # numbered clauses
    esign = str(legal_html(load_text("esign-v1").text, 3))
    assert esign.count("<li>") == 5 and "- " not in esign  # bullets, not " - " text
    assert str(legal_html("<script>alert(1)</script>\n\n# T")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<h2>T</h2>\n"
    )
    # The hash stays over the source text, not the HTML shown.
    assert load_text("standard-v1").sha256 == PINNED["standard-v1"]
