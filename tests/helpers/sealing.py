"""The tests' operator signing certificate (server/dev/signing_key.py, made once per
session) and pyHanko's validation of a sealed PDF against it."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from server.dev.signing_key import self_signed_pkcs12

OPERATOR = "Zoë Nuñez Charters"
PASSWORD = "a passphrase for the tests"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


@functools.cache
def pkcs12(password: str | None = PASSWORD) -> bytes:
    return self_signed_pkcs12(OPERATOR, password.encode() if password else None)


def signing_env(password: str | None = PASSWORD) -> dict[str, str]:
    """The settings that give the app the tests' signing certificate."""
    env = {"SCC_SIGNING_KEY": base64.b64encode(pkcs12(password)).decode()}
    if password:
        env["SCC_SIGNING_KEY_PASSWORD"] = password
    return env


def certificate(password: str | None = PASSWORD) -> Any:
    """The certificate in `pkcs12()`, as asn1crypto's (pyHanko's) type."""
    from asn1crypto import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    loaded = p12.load_pkcs12(pkcs12(password), password.encode() if password else None)
    assert loaded.cert is not None
    return x509.Certificate.load(loaded.cert.certificate.public_bytes(Encoding.DER))


@dataclass(frozen=True)
class Seal:
    intact: bool  # the document's digest matches the signed one
    valid: bool  # the signature over the signed attributes verifies
    bottom_line: bool  # pyHanko's verdict: intact, valid and trusted
    trusted: bool
    coverage: str
    signer: Any
    count: int


def validate(pdf: bytes, password: str | None = PASSWORD) -> Seal:
    """pyHanko's verdict on the PDF's one signature, trusting only the tests' certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(pdf))
    signatures = reader.embedded_signatures
    context = ValidationContext(trust_roots=[certificate(password)])
    status = validate_pdf_signature(signatures[0], context)
    return Seal(
        intact=status.intact,
        valid=status.valid,
        bottom_line=status.bottom_line,
        trusted=status.trusted,
        coverage=status.coverage.name if status.coverage else "",
        signer=status.signing_cert,
        count=len(signatures),
    )


def waiver_record(**changes: Any) -> dict[str, Any]:
    """A stored waiver record, its names in several Latin scripts."""
    from server.domain.waiver_rules import load_text

    waiver = {
        "waiver_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "event_id": "2026-11-28-alice-whale",
        "full_name": "Zoë Nuñez",
        "date_of_birth": "1990-04-21",
        "email": "zoe@example.com",
        "phone": "+1 555 123 4567",
        "emergency_name": "Łukasz Őry",
        "emergency_phone": "+1 555 765 4321",
        "minors": [{"name": "Ana Nuñez", "date_of_birth": "2015-01-02"}],
        "agree_terms": True,
        "esign_consent": True,
        "signature_typed": "Zoë Nuñez",
        "waiver_version": "standard-v1",
        "waiver_sha256": load_text("standard-v1").sha256,
        "esign_version": "esign-v1",
        "esign_sha256": load_text("esign-v1").sha256,
        "signed_at": "2026-11-29T01:10:04Z",
        "ip": "203.0.113.9",
        "user_agent": UA,
    }
    return {**waiver, **changes}
