"""The sealed PDF of one signed waiver: made once, kept, and named on its record.

Made off the request path: when the signer's copy email is built (the outbox), or when
the captain first downloads it. Made means built (server.documents.waiver_pdf), sealed
(server.documents.seal), kept (server.store.documents, under a key naming its
SHA-256), then named on the waiver by one conditional write: the first PDF named wins,
and a maker that lost the race hands out the winner's, so the signer's attachment and
the captain's download are the same bytes."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from server.documents.seal import Sealer
from server.documents.waiver_pdf import WaiverDocument, reference, waiver_pdf
from server.domain.clock import utc_now_iso
from server.domain.records import EventMap, WaiverMap
from server.domain.waiver_rules import text_of
from server.store import Store
from server.store.documents import waiver_key


def document_of(store: Store, event: EventMap, waiver: WaiverMap) -> WaiverDocument:
    """What the PDF of `waiver` prints, its texts in the version and language signed."""
    settings = store.settings
    return WaiverDocument(
        operator=settings.operator_name,
        event=event,
        waiver=waiver,
        text=text_of(str(waiver["waiver_version"]), waiver.get("language")),
        esign=text_of(str(waiver["esign_version"]), waiver.get("language")),
        timezone=settings.timezone,
    )


def sealed_pdf(sealer: Sealer, doc: WaiverDocument, location: str) -> bytes:
    """Build and seal one waiver's PDF."""
    ref = reference(doc.waiver)
    return sealer.seal(waiver_pdf(doc), f"Signed waiver {ref}, sealed by {doc.operator}", location)


def waiver_copy(store: Store, event: EventMap, waiver: WaiverMap) -> bytes | None:
    """The waiver's sealed PDF (the kept one, else made now), or None when no signing
    key is set (SCC_SIGNING_KEY). LookupError: the waiver is gone, or its named PDF is
    not where it is kept."""
    sealer = Sealer.from_settings(store.settings)
    if sealer is None:
        return None
    event_id, waiver_id = str(waiver["event_id"]), str(waiver["waiver_id"])
    for _ in range(2):
        named = waiver.get("pdf_sha256")
        if named:
            kept = store.documents.get(waiver_key(waiver_id, str(named)))
            if kept is None:
                raise LookupError("the waiver's sealed PDF is not where it is kept")
            return kept
        location = urlsplit(store.settings.base_url).hostname or "online"
        pdf = sealed_pdf(sealer, document_of(store, event, waiver), location)
        digest = hashlib.sha256(pdf).hexdigest()
        store.documents.put(waiver_key(waiver_id, digest), pdf)
        if store.waivers.set_pdf(event_id, waiver_id, digest, utc_now_iso()):
            return pdf
        # Another maker named its PDF first (or the waiver is gone): hand out that one.
        stored = store.waivers.get(event_id, waiver_id)
        if stored is None or not stored.get("pdf_sha256"):
            raise LookupError("the waiver is no longer stored")
        waiver = stored
    raise AssertionError("unreachable: the second pass returns the named PDF")
