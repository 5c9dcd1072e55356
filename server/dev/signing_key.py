"""A self-signed signing certificate for `make run` and the tests (never production:
there the operator gives their own, README "The operator's signing certificate")."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path


def self_signed_pkcs12(operator: str, password: bytes | None = None, days: int = 3650) -> bytes:
    """A PKCS#12 holding a new RSA key and a self-signed certificate naming `operator`,
    fit for signing documents (digitalSignature, nonRepudiation)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, operator)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        operator.encode(), key, certificate, None, encryption
    )


def main(argv: list[str]) -> int:
    """`python -m server.dev.signing_key PATH [NAME]`: write one unless PATH exists."""
    path = Path(argv[0])
    if path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(self_signed_pkcs12(argv[1] if len(argv) > 1 else "Local test operator"))
    path.chmod(0o600)
    print(f"made a self-signed signing certificate: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
