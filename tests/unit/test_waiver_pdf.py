"""The signed waiver's PDF (server/documents/waiver_pdf.py): what it prints, in fonts
that have every Latin letter, and the audit trail; and its seal (seal.py), checked
with pyHanko's own validator."""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.documents.seal import Sealer, SigningKeyError
from server.documents.waiver_pdf import (
    FONTS,
    WaiverDocument,
    legal_items,
    waiver_pdf,
)
from server.domain.clock import signed_at_lines
from server.domain.waiver_rules import load_text, text_of
from tests.helpers.sealing import (
    OPERATOR,
    PASSWORD,
    UA,
    certificate,
    signing_env,
    validate,
)
from tests.helpers.sealing import waiver_record as record

ZONE = ZoneInfo("America/Los_Angeles")


def document(**changes: Any) -> WaiverDocument:
    event = {"event_id": "2026-11-28-alice-whale", "date": "2026-11-28", "start_time": "09:30"}
    return WaiverDocument(
        operator=OPERATOR,
        event=event,
        waiver=record(**changes),
        text=load_text("standard-v1"),
        esign=load_text("esign-v1"),
        timezone=ZONE,
    )


def printed(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it (through its fonts' Unicode maps), its
    lines joined, so a wrapped value reads whole."""
    from pypdf import PdfReader

    pages = PdfReader(BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return waiver_pdf(document())


def test_it_prints_the_operator_the_trip_and_the_signers_answers(pdf: bytes) -> None:
    text = printed(pdf)
    assert pdf.startswith(b"%PDF-")
    assert f"{OPERATOR}: signed waiver, reference 0F8FAD5B" in text
    for expected in (
        "Trip 2026-11-28-alice-whale",
        "Date 2026-11-28",
        "Departs 09:30",
        "Full legal name Zoë Nuñez",
        "Date of birth 1990-04-21",
        "Email zoe@example.com",
        "Phone +1 555 123 4567",
        "Emergency contact Łukasz Őry, +1 555 765 4321",
    ):
        assert expected in text, expected


def test_it_names_the_minors_and_their_guardian(pdf: bytes) -> None:
    text = printed(pdf)
    assert "Minors and their guardian" in text
    assert "Minor 1 Ana Nuñez, born 2015-01-02" in text
    assert "Zoë Nuñez, who confirms being their parent or legal guardian" in text
    alone = printed(waiver_pdf(document(minors=[])))
    assert "Minors and their guardian" not in alone and "Ana Nuñez" not in alone


def test_it_prints_the_typed_signature_and_both_consents(pdf: bytes) -> None:
    text = printed(pdf)
    assert "Typed signature Zoë Nuñez" in text
    assert "Read and agreed to the waiver yes (text standard-v1)" in text
    assert "Agreed to sign electronically yes (disclosure esign-v1)" in text


def test_the_audit_trail_has_every_field(pdf: bytes) -> None:
    text = printed(pdf)
    waiver = record()
    assert "Waiver id 0f8fad5b-d9cb-469f-a165-70867728950e" in text
    # 01:10:04 UTC on 29 Nov is 17:10:04 on the 28th in Los Angeles (PST, UTC-8).
    assert "Signed at (operator's time) 2026-11-28 17:10:04 PST (UTC-08:00)" in text
    assert "Signed at (UTC) 2026-11-29 01:10:04 UTC" in text
    assert "Client IP address 203.0.113.9" in text
    assert UA.replace(" ", "") in text.replace(" ", "")  # wrapped over lines
    assert "Waiver text standard-v1, language en" in text
    joined = text.replace(" ", "")  # a hash wraps at the line's end
    assert f"WaivertextSHA-256{waiver['waiver_sha256']}" in joined
    assert f"DisclosureSHA-256{waiver['esign_sha256']}" in joined


def test_it_prints_the_texts_signed_in_full(pdf: bytes) -> None:
    text = printed(pdf)
    assert "gross negligence or willful misconduct" in text  # the waiver's clause 4
    assert "Choosing paper costs nothing." in text  # the e-sign disclosure's first item
    assert "• You may sign this waiver on paper instead." in text


def test_every_latin_letter_prints_in_the_embedded_font(caplog: pytest.LogCaptureFixture) -> None:
    names = "Zoë Nuñez · Łukasz Őry · Çağla Šťastná · Nguyễn Thị Ánh · Søren Ærø · Œdipe"
    with caplog.at_level(logging.WARNING):
        pdf = waiver_pdf(document(full_name=names, signature_typed=names))
    assert not [r for r in caplog.records if "missing" in r.getMessage().lower()]
    assert names in printed(pdf)
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf  # embedded (subset), not a base font
    assert set(FONTS.values()) == {"DejaVuSans-Latin.ttf", "DejaVuSans-Bold-Latin.ttf"}


def test_a_missing_glyph_would_be_caught(caplog: pytest.LogCaptureFixture) -> None:
    # The check above can fail: a script the fonts do not carry is logged as missing.
    with caplog.at_level(logging.WARNING):
        waiver_pdf(document(full_name="田中 太郎", signature_typed="田中 太郎"))
    assert [r for r in caplog.records if "missing" in r.getMessage().lower()]


def test_the_same_record_makes_the_same_bytes(pdf: bytes) -> None:
    assert waiver_pdf(document()) == pdf


def test_signed_at_in_summer_time_and_in_utc() -> None:
    assert signed_at_lines("2026-07-04T19:00:00Z", ZONE) == (
        "2026-07-04 12:00:00 PDT (UTC-07:00)",
        "2026-07-04 19:00:00 UTC",
    )


def test_markdown_lists_print_one_line_per_item() -> None:
    block = "- First item\n  goes on here.\n- Second item"
    assert legal_items(block) == ["•  First item goes on here.", "•  Second item"]
    assert legal_items("A wrapped\nparagraph.") == ["A wrapped paragraph."]


def test_the_text_seam_defaults_to_english_and_never_substitutes_another() -> None:
    assert text_of("standard-v1") == load_text("standard-v1")
    assert text_of("standard-v1", "en") == load_text("standard-v1")
    with pytest.raises(KeyError):
        text_of("standard-v1", "xx")


# --- the seal -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed(pdf: bytes) -> bytes:
    env = signing_env()
    sealer = Sealer(env["SCC_SIGNING_KEY"], env["SCC_SIGNING_KEY_PASSWORD"])
    return sealer.seal(pdf, "Signed waiver 0F8FAD5B", "testserver")


def test_the_seal_is_intact_covers_the_whole_file_and_is_the_operators(
    sealed: bytes, pdf: bytes
) -> None:
    seal = validate(sealed)
    assert seal.count == 1
    assert seal.intact and seal.valid and seal.trusted and seal.bottom_line
    assert seal.coverage == "ENTIRE_FILE"
    assert seal.signer.dump() == certificate().dump()
    assert sealed.startswith(pdf)  # an incremental update: the document as built, then the seal
    assert b"/ETSI.CAdES.detached" in sealed  # PAdES, not the older adbe.pkcs7


def test_a_changed_byte_breaks_the_seal(sealed: bytes) -> None:
    at = sealed.index(b"stream\n") + 20  # inside the first page's compressed content
    changed = bytearray(sealed)
    changed[at] ^= 0x01
    seal = validate(bytes(changed))
    assert not seal.intact and not seal.bottom_line
    assert hashlib.sha256(changed).digest() != hashlib.sha256(sealed).digest()


def test_another_certificate_is_not_trusted(sealed: bytes) -> None:
    seal = validate(sealed, password=None)  # trusting only another key's certificate
    assert seal.intact and not seal.trusted


def test_a_wrong_passphrase_says_which_setting(pdf: bytes) -> None:
    sealer = Sealer(signing_env()["SCC_SIGNING_KEY"], "not " + PASSWORD)
    with pytest.raises(SigningKeyError, match="SCC_SIGNING_KEY_PASSWORD"):
        sealer.seal(pdf, "reason", "here")


def test_an_async_caller_can_seal_too(pdf: bytes) -> None:
    import asyncio

    env = signing_env()
    sealer = Sealer(env["SCC_SIGNING_KEY"], env["SCC_SIGNING_KEY_PASSWORD"])

    async def inside_a_loop() -> bytes:
        return sealer.seal(pdf, "reason", "here")

    assert validate(asyncio.run(inside_a_loop())).bottom_line


def test_a_second_seal_does_not_parse_the_key_again(
    pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyHanko's own SimpleSigner parses the DER key for every signature (~45 ms); the
    # operator's signer holds it parsed from opening the PKCS#12, once per process.
    from cryptography.hazmat.primitives import serialization

    env = signing_env()
    sealer = Sealer(env["SCC_SIGNING_KEY"], env["SCC_SIGNING_KEY_PASSWORD"])
    sealer.seal(pdf, "first", "here")
    parsed: list[bytes] = []
    real = serialization.load_der_private_key

    def counting(data: bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(serialization, "load_der_private_key", counting)
    second = sealer.seal(pdf, "second", "here")
    assert validate(second).bottom_line
    assert parsed == []
    assert Sealer(env["SCC_SIGNING_KEY"], env["SCC_SIGNING_KEY_PASSWORD"]).signer is sealer.signer


def test_a_second_document_does_not_load_the_fonts_again(
    pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each face is parsed once per process (server.documents.typesetting); every
    # document still embeds its own subset, so reuse changes no document's bytes.
    from fpdf.fonts import TTFFont

    loaded: list[object] = []
    real = TTFFont.__init__

    def counting(self: TTFFont, *args: Any, **kwargs: Any) -> None:
        loaded.append(args[1])
        real(self, *args, **kwargs)

    monkeypatch.setattr(TTFFont, "__init__", counting)
    other = waiver_pdf(document(full_name="Œdipe Søren", signature_typed="Œdipe Søren"))
    again = waiver_pdf(document())
    assert loaded == []
    assert "Full legal name Œdipe Søren" in printed(other) and b"/FontFile2" in other
    assert again == pdf  # the other document's letters did not leak into this one


def test_lines_fit_their_column_and_keep_every_character() -> None:
    from fpdf import FPDF

    from server.documents.typesetting import add_fonts, lines

    pdf = FPDF(unit="mm")
    add_fonts(pdf)
    pdf.set_font("DejaVu", "", 10.5)
    text = "Zoë Nuñez signed " + "0123456789abcdef" * 4 + " at the dock\nsecond line"
    broken = lines(pdf, text, 60)
    assert len(broken) > 3 and broken[-1] == "second line"
    assert all(pdf.get_string_width(line) <= 60 - 2 * pdf.c_margin for line in broken)
    assert "".join(broken).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert lines(pdf, "short", 60) == ["short"]
