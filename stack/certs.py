"""The certificate authority and certificates for Kafka's mutual TLS.

Made with the `cryptography` package, written as PEM: a CA, one certificate per broker (SAN
`IP:127.0.0.1, DNS:localhost`, usable as server and as client, since brokers talk to each
other and to the controllers with mutual TLS too) and one client certificate per principal
of docs/architecture.md. Keys are PKCS#8 (`BEGIN PRIVATE KEY`): Kafka's PEM key store refuses
PKCS#1. Subjects are `CN=<name>`; the broker maps them to `User:<name>`.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CA_VALIDITY",
    "CERT_VALIDITY",
    "CLIENT_PRINCIPALS",
    "RENEW_BEFORE",
    "IssuedCertificate",
    "PrivateKey",
    "broker_name",
    "create_authority",
    "ensure_certificates",
    "issue_certificate",
    "key_pem",
    "needs_renewal",
]

# The Kafka principals of the project's programs (docs/architecture.md).
CLIENT_PRINCIPALS = (
    "synchronizer",
    "command-handler",
    "backend",
    "heartbeat",
    "command-generator",
    "tests",
    "bench",
)
CA_VALIDITY = timedelta(days=3650)
CERT_VALIDITY = timedelta(days=365)
# `up` renews a certificate this long before it expires.
RENEW_BEFORE = timedelta(days=30)
# Certificates start a little in the past so a clock step does not make them "not yet valid".
_BACKDATE = timedelta(minutes=5)
# EC P-256: as strong as RSA-3072 and generated in microseconds (RSA takes ~0.1 s per key);
# Java's PEM key store and librdkafka both read PKCS#8 EC keys. RSA keys of an older run
# are still accepted.
_CURVE = ec.SECP256R1()
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class IssuedCertificate:
    """A private key and its certificate."""

    key: PrivateKey
    certificate: x509.Certificate


def broker_name(node: int) -> str:
    """The subject common name (and Kafka principal) of broker `node`."""
    return f"kafka-{node}"


def _subject(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def create_authority(now: datetime, common_name: str = "open-bank local CA") -> IssuedCertificate:
    """A self-signed CA that signs every certificate of the stack."""
    key = ec.generate_private_key(_CURVE)
    name = _subject(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return IssuedCertificate(key=key, certificate=certificate)


def issue_certificate(
    authority: IssuedCertificate, common_name: str, now: datetime, *, server: bool
) -> IssuedCertificate:
    """A certificate for `CN=common_name` signed by `authority`.

    A server certificate (a broker's) carries the loopback SAN that librdkafka and Java check,
    and may act as a client too (inter-broker and controller connections are mutual TLS).
    """
    key = ec.generate_private_key(_CURVE)
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if server:
        usages.insert(0, ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(common_name))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                    # The broker's own name: its host name under compose.yaml.
                    x509.DNSName(common_name),
                ]
            ),
            critical=False,
        )
    certificate = builder.sign(authority.key, hashes.SHA256())
    return IssuedCertificate(key=key, certificate=certificate)


def key_pem(key: PrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def needs_renewal(certificate: x509.Certificate, now: datetime) -> bool:
    """True when `certificate` expires within `RENEW_BEFORE` of `now` (or already has)."""
    return certificate.not_valid_after_utc - now <= RENEW_BEFORE


def _write(path: Path, data: bytes, mode: int) -> None:
    # Write then rename, so a crash never leaves half a key behind.
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.chmod(mode)
    tmp.replace(path)


def _load_pair(certs_dir: Path, name: str) -> IssuedCertificate | None:
    cert_path, key_path = certs_dir / f"{name}.pem", certs_dir / f"{name}.key"
    if not cert_path.exists() or not key_path.exists():
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return None
    return IssuedCertificate(key=key, certificate=certificate)


def _save_pair(certs_dir: Path, name: str, issued: IssuedCertificate) -> None:
    _write(certs_dir / f"{name}.key", key_pem(issued.key), 0o600)
    _write(certs_dir / f"{name}.pem", _cert_pem(issued.certificate), 0o644)


def _signed_by(certificate: x509.Certificate, authority: IssuedCertificate) -> bool:
    try:
        certificate.verify_directly_issued_by(authority.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def ensure_certificates(certs_dir: Path, brokers: int, now: datetime | None = None) -> list[str]:
    """Create missing certificates and renew those close to expiry; return the names renewed.

    A renewed CA renews everything it signed. Each broker also gets a `kafka-<n>.keystore.pem`
    (key, then certificate, then CA) because Kafka's PEM key store wants them in one file.
    """
    moment = now or datetime.now(UTC)
    certs_dir.mkdir(parents=True, exist_ok=True)
    renewed: list[str] = []
    authority = _load_pair(certs_dir, "ca")
    if authority is None or needs_renewal(authority.certificate, moment):
        authority = create_authority(moment)
        _save_pair(certs_dir, "ca", authority)
        renewed.append("ca")
    wanted = [(broker_name(node), True) for node in range(1, brokers + 1)]
    wanted += [(principal, False) for principal in CLIENT_PRINCIPALS]
    for name, server in wanted:
        current = _load_pair(certs_dir, name)
        if (
            current is None
            or needs_renewal(current.certificate, moment)
            or not _signed_by(current.certificate, authority)
        ):
            current = issue_certificate(authority, name, moment, server=server)
            _save_pair(certs_dir, name, current)
            renewed.append(name)
        if server:
            bundle = (
                key_pem(current.key)
                + _cert_pem(current.certificate)
                + _cert_pem(authority.certificate)
            )
            _write(certs_dir / f"{name}.keystore.pem", bundle, 0o600)
    return renewed
