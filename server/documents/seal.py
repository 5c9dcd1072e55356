"""Sealing a PDF: a PAdES baseline (B-B) signature by the operator's key, with pyHanko,
over the whole document, so any later change to a byte shows. The key and its
certificate are the PKCS#12 of `SCC_SIGNING_KEY` (README, "The operator's signing
certificate"). pyHanko is imported on first use."""

from __future__ import annotations

import asyncio
import base64
import functools
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import Any

from server.settings import Settings

FIELD = "OperatorSeal"


class SigningKeyError(Exception):
    """SCC_SIGNING_KEY is not a PKCS#12 this passphrase opens."""


# Room for the signature in the PDF (a 4096-bit RSA signature and a chain of a few
# certificates fit): given, so pyHanko does not sign once more only to measure it.
SIGNATURE_BYTES = 8192


def _signer_class() -> type[Any]:
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class OperatorSigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner, but holding the private key parsed, not re-parsing it
        for every signature (cryptography's RSA key check is ~45 ms of each seal)."""

        def __init__(self, key: Any, **given: Any) -> None:
            super().__init__(**given)
            self.parsed_key = key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if not isinstance(self.parsed_key, RSAPrivateKey) or (
                mechanism.signature_algo != "rsassa_pkcs1v15"
            ):
                return bytes(super().sign_raw(data, digest_algorithm))
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            return self.parsed_key.sign(data, PKCS1v15(), hash_algo)

    return OperatorSigner


@functools.cache
def _signer(pkcs12_b64: str, passphrase: str | None) -> Any:
    """The operator's signer, made once per process: the PKCS#12 opened as pyHanko's
    `SimpleSigner.load_pkcs12_data` does, keeping the parsed key."""
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER

    try:
        key, cert, others = pkcs12.load_key_and_certificates(
            base64.b64decode(pkcs12_b64), passphrase.encode() if passphrase else None
        )
        if key is None or cert is None:
            raise ValueError("no key or no certificate")
        key_der = key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        chain = [x509.Certificate.load(c.public_bytes(der)) for c in others]
        return _signer_class()(
            key,
            signing_key=keys.PrivateKeyInfo.load(key_der),
            signing_cert=x509.Certificate.load(cert.public_bytes(der)),
            cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
        )
    except Exception as exc:  # a bad file or passphrase raises many kinds
        raise SigningKeyError(
            "SCC_SIGNING_KEY: not a PKCS#12 that SCC_SIGNING_KEY_PASSWORD opens "
            f"({type(exc).__name__})"
        ) from None


class Sealer:
    """Signs PDFs with one operator's key."""

    def __init__(self, pkcs12_b64: str, passphrase: str | None = None) -> None:
        self._pkcs12 = pkcs12_b64
        self._passphrase = passphrase

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer | None:
        """The operator's sealer, or None when no signing key is set."""
        if settings.signing_key is None:
            return None
        password = settings.signing_key_password
        return cls(str(settings.signing_key), str(password) if password else None)

    @property
    def signer(self) -> Any:
        return _signer(self._pkcs12, self._passphrase)

    def seal(self, pdf: bytes, reason: str, location: str) -> bytes:
        """`pdf` with the operator's PAdES signature appended (an incremental update).
        pyHanko's synchronous API runs its own event loop, which a thread already
        running one (an async caller) cannot: there it signs in a worker thread."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._seal(pdf, reason, location)
        with ThreadPoolExecutor(max_workers=1) as worker:
            return worker.submit(self._seal, pdf, reason, location).result()

    def _seal(self, pdf: bytes, reason: str, location: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigSeedSubFilter

        meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        out = BytesIO()
        pdf_signer = signers.PdfSigner(meta, signer=self.signer)
        pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES, output=out)
        return out.getvalue()
