"""A signed waiver as a PDF (fpdf2): the operator, the trip, the signer and their
answers, the minors and their guardian, the typed signature and the consents, the
audit trail, then the exact texts signed. Fonts: DejaVu Sans (free licence), from
npm's `dejavu-fonts-ttf`, cut by `make setup` (fontTools' pyftsubset) to the Latin
scripts ("Zoë Nuñez", "Łukasz Őry", Vietnamese too) and punctuation into `fonts/`,
which `scc deploy build` puts in the Lambda zip. The cut fonts load in a tenth of the
time of the whole ones, once per process, and lines are broken in one pass
(server.documents.typesetting).

The page is 210 × 279 mm: A4's width and Letter's height, so it prints unscaled on
either paper. fpdf2 is imported on first use (a cold start never pays for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from server.documents.typesetting import FAMILY, FONTS, add_fonts, lines, write
from server.domain.clock import as_utc, signed_at_lines
from server.domain.records import EventMap, WaiverMap
from server.domain.waiver_rules import WaiverText

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["FONTS", "WaiverDocument", "legal_items", "reference", "waiver_pdf"]
PAGE = (210, 279)  # mm: A4 wide, Letter tall
LABEL_WIDTH = 52  # mm
LINE = 5.6  # mm, at 10.5 pt


@dataclass(frozen=True)
class WaiverDocument:
    """What the PDF prints: the stored waiver and event, the texts the signer saw."""

    operator: str
    event: EventMap
    waiver: WaiverMap
    text: WaiverText
    esign: WaiverText
    timezone: tzinfo


def reference(waiver: WaiverMap) -> str:
    return str(waiver["waiver_id"])[:8].upper()


def trip_rows(event: EventMap) -> list[tuple[str, str]]:
    rows = [("Trip", str(event["event_id"])), ("Date", str(event.get("date", "")))]
    if event.get("start_time"):
        rows.append(("Departs", str(event["start_time"])))
    boat = event.get("boat_name") or event.get("boat")
    if boat:
        rows.append(("Boat", str(boat)))
    return rows


def signer_rows(waiver: WaiverMap) -> list[tuple[str, str]]:
    return [
        ("Full legal name", str(waiver["full_name"])),
        ("Date of birth", str(waiver["date_of_birth"])),
        ("Email", str(waiver["email"])),
        ("Phone", str(waiver["phone"])),
        ("Emergency contact", f"{waiver['emergency_name']}, {waiver['emergency_phone']}"),
    ]


def minor_rows(waiver: WaiverMap) -> list[tuple[str, str]]:
    minors = list(waiver.get("minors", []))
    if not minors:
        return []
    rows = [
        (f"Minor {i}", f"{m['name']}, born {m['date_of_birth']}") for i, m in enumerate(minors, 1)
    ]
    guardian = f"{waiver['full_name']}, who confirms being their parent or legal guardian"
    return [*rows, ("Signed for them by", guardian)]


def consent_rows(doc: WaiverDocument) -> list[tuple[str, str]]:
    waiver = doc.waiver
    agreed = "yes" if waiver.get("agree_terms") else "no"
    consented = "yes" if waiver.get("esign_consent") else "no"
    return [
        ("Typed signature", str(waiver["signature_typed"])),
        ("Read and agreed to the waiver", f"{agreed} (text {doc.text.version})"),
        ("Agreed to sign electronically", f"{consented} (disclosure {doc.esign.version})"),
    ]


def audit_rows(doc: WaiverDocument) -> list[tuple[str, str]]:
    waiver = doc.waiver
    local, utc = signed_at_lines(str(waiver["signed_at"]), doc.timezone)
    return [
        ("Waiver id", str(waiver["waiver_id"])),
        ("Signed at (operator's time)", local),
        ("Signed at (UTC)", utc),
        ("Client IP address", str(waiver.get("ip") or "unknown")),
        ("Device (user agent)", str(waiver.get("user_agent") or "unknown")),
        ("Waiver text", f"{doc.text.version}, language {waiver.get('language') or 'en'}"),
        ("Waiver text SHA-256", str(waiver["waiver_sha256"])),
        ("Disclosure SHA-256", str(waiver["esign_sha256"])),
    ]


def legal_items(block: str) -> list[str]:
    """One Markdown paragraph as the lines it prints: its hard-wrapped lines joined, or,
    for a "- " list, one "•" line per item (its continuation lines joined to it)."""
    lines = [line.strip() for line in block.splitlines()]
    if not lines[0].startswith("- "):
        return [" ".join(lines)]
    items: list[str] = []
    for line in lines:
        if line.startswith("- "):
            items.append(f"•  {line[2:]}")
        else:
            items[-1] = f"{items[-1]} {line}"
    return items


def _new_pdf(footer_text: str) -> FPDF:
    from fpdf import FPDF

    class WaiverPdf(FPDF):
        """Every page's foot names the operator, the waiver and the page."""

        def __init__(self, footer_text: str) -> None:
            super().__init__(unit="mm", format=PAGE)
            self.footer_text = footer_text

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FAMILY, "", 8)
            self.cell(0, 5, f"{self.footer_text} · page {self.page_no()}/{{nb}}", align="C")

    return WaiverPdf(footer_text)


def waiver_pdf(doc: WaiverDocument) -> bytes:
    """The unsigned PDF (the same record gives the same bytes: its dates are the
    signing moment's). Text is set left-aligned, one `cell` a line."""
    waiver, ref = doc.waiver, reference(doc.waiver)
    pdf = _new_pdf(f"{doc.operator} · signed waiver {ref} · {waiver['waiver_id']}")
    add_fonts(pdf)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(f"Signed waiver {ref}, {waiver['full_name']}")
    pdf.set_author(doc.operator)
    pdf.set_subject(f"Waiver for trip {doc.event['event_id']}")
    pdf.set_lang(str(waiver.get("language") or "en"))
    pdf.set_creation_date(as_utc(str(waiver["signed_at"])))
    pdf.add_page()
    value_width = pdf.epw - LABEL_WIDTH

    def heading(text: str, size: float = 13) -> None:
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", size)
        write(pdf, text, pdf.epw, size * 0.5)
        pdf.ln(1)

    def rows(items: list[tuple[str, str]]) -> None:
        for label, value in items:
            pdf.set_font(FAMILY, "B", 9.5)
            label_lines = lines(pdf, label, LABEL_WIDTH)
            pdf.set_font(FAMILY, "", 10.5)
            value_lines = lines(pdf, value, value_width)
            if pdf.will_page_break(max(len(label_lines), len(value_lines)) * LINE):
                pdf.add_page()  # a row is never split over two pages
            top = pdf.get_y()
            pdf.set_font(FAMILY, "B", 9.5)
            write(pdf, label, LABEL_WIDTH, LINE)
            label_bottom = pdf.get_y()
            pdf.set_xy(pdf.l_margin + LABEL_WIDTH, top)
            pdf.set_font(FAMILY, "", 10.5)
            write(pdf, value, value_width, LINE)
            pdf.set_xy(pdf.l_margin, max(pdf.get_y(), label_bottom))

    def legal(text: WaiverText) -> None:
        for block in text.paragraphs:
            if block.startswith("#"):
                heading(block.lstrip("#").strip(), 11.5)
                continue
            pdf.set_font(FAMILY, "", 10)
            for item in legal_items(block):
                write(pdf, item, pdf.epw, 5)
            pdf.ln(2)

    heading(f"{doc.operator}: signed waiver, reference {ref}", 15)
    heading("The trip")
    rows([("Operator", doc.operator), *trip_rows(doc.event)])
    heading("The signer")
    rows(signer_rows(waiver))
    if waiver.get("minors"):
        heading("Minors and their guardian")
        rows(minor_rows(waiver))
    heading("Signature and consents")
    rows(consent_rows(doc))
    heading("Audit trail")
    rows(audit_rows(doc))
    heading(f"The waiver text signed ({doc.text.version})")
    legal(doc.text)
    heading(f"Electronic signature disclosure ({doc.esign.version})")
    legal(doc.esign)
    return bytes(pdf.output())
