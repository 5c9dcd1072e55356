"""Issue 31: a patron signs; the captain downloads the sealed PDF of that waiver from
the manifest and from the waiver record, in a real browser, and it is the same file,
whose seal pyHanko finds intact and covering the whole document."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Download, Page, expect

from e2e.helpers import Account, sign_in

SIGNER = {
    "full_name": "Zoë Nuñez",
    "date_of_birth": "1988-02-29",
    "email": "zoe.nunez@example.com",
    "phone": "+1 555 123 4567",
    "emergency_name": "Łukasz Őry",
    "emergency_phone": "+1 555 987 6543",
}


def sign(page: Page, event_id: str) -> str:
    """Sign the trip's waiver as a patron (no sign-in); the waiver's id."""
    page.goto(f"/g/{event_id}/waiver")
    waiver_id = page.locator("input[name=waiver_id]").input_value()
    for name, value in SIGNER.items():
        page.locator(f"input[name={name}]").fill(value)
    page.locator("input[name=agree_terms]").check()
    page.locator("input[name=esign_consent]").check()
    page.locator("input[name=signature]").fill(SIGNER["full_name"])
    page.get_by_role("button", name="Sign the waiver", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/g/{event_id}/waiver/signed/{waiver_id}$"))
    return waiver_id


def saved(download: Download, folder: Path) -> bytes:
    path = folder / download.suggested_filename
    download.save_as(path)
    return path.read_bytes()


def seal_of(pdf: bytes) -> Any:
    """pyHanko's verdict, trusting the signer's own certificate (a test stage's is
    self-signed): whether the seal is intact and covers the whole file."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    def validate() -> Any:
        [signature] = PdfFileReader(BytesIO(pdf)).embedded_signatures
        context = ValidationContext(trust_roots=[signature.signer_cert])
        return validate_pdf_signature(signature, context)

    # Playwright's sync API runs an event loop in this thread; pyHanko runs its own.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(validate).result()


def test_the_captain_downloads_the_sealed_pdf_from_the_manifest_and_the_record(
    page: Page,
    new_context: Callable[..., BrowserContext],
    captain: Account,
    make_event: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    event_id = make_event(party_size="2")["event_id"]
    waiver_id = sign(page, event_id)
    reference = waiver_id[:8].upper()

    office = new_context(accept_downloads=True).new_page()
    sign_in(office, captain)
    office.goto(f"/dispatch/events/{event_id}/manifest")
    link = office.get_by_role("link", name=f"sealed PDF of {SIGNER['full_name']}'s waiver")
    with office.expect_download() as from_manifest:
        link.click()
    assert from_manifest.value.suggested_filename == f"waiver-{reference}.pdf"
    pdf = saved(from_manifest.value, tmp_path / "manifest")

    office.goto(f"/admin/events/{event_id}/waivers/{waiver_id}")
    with office.expect_download() as from_record:
        office.get_by_role("link", name="Download the sealed PDF").click()
    again = saved(from_record.value, tmp_path / "record")
    assert again == pdf  # kept once, handed out the same each time

    assert pdf.startswith(b"%PDF-")
    status = seal_of(pdf)
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    # The record shows the SHA-256 the download has.
    office.reload()
    expect(office.locator("body")).to_contain_text(hashlib.sha256(pdf).hexdigest())
