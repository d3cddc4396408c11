"""Certificate properties: PKCS#8 keys, the broker SAN, expiry and renewal."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from stack.certs import (
    CERT_VALIDITY,
    CLIENT_PRINCIPALS,
    RENEW_BEFORE,
    create_authority,
    ensure_certificates,
    issue_certificate,
    key_pem,
    needs_renewal,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_keys_are_pkcs8() -> None:
    issued = issue_certificate(create_authority(NOW), "backend", NOW, server=False)
    pem = key_pem(issued.key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert b"RSA PRIVATE KEY" not in pem


def test_broker_certificate_has_loopback_san_and_both_usages() -> None:
    authority = create_authority(NOW)
    broker = issue_certificate(authority, "kafka-1", NOW, server=True).certificate
    san = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "kafka-1"]
    usages = broker.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usages
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usages
    broker.verify_directly_issued_by(authority.certificate)


def test_client_certificate_is_client_only_with_cn_subject() -> None:
    client = issue_certificate(create_authority(NOW), "backend", NOW, server=False).certificate
    assert client.subject.rfc4514_string() == "CN=backend"
    usages = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_certificates_expire_and_are_renewed_within_30_days() -> None:
    issued = issue_certificate(create_authority(NOW), "tests", NOW, server=False).certificate
    assert issued.not_valid_after_utc == NOW + CERT_VALIDITY
    assert not needs_renewal(issued, NOW)
    assert not needs_renewal(issued, NOW + CERT_VALIDITY - RENEW_BEFORE - timedelta(days=1))
    assert needs_renewal(issued, NOW + CERT_VALIDITY - RENEW_BEFORE)


def test_ensure_certificates_makes_every_principal_then_keeps_them(tmp_path: Path) -> None:
    made = ensure_certificates(tmp_path, brokers=3, now=NOW)
    assert set(made) == {"ca", "kafka-1", "kafka-2", "kafka-3", *CLIENT_PRINCIPALS}
    assert (tmp_path / "backend.key").stat().st_mode & 0o777 == 0o600
    keystore = (tmp_path / "kafka-2.keystore.pem").read_bytes()
    assert keystore.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert keystore.count(b"BEGIN CERTIFICATE") == 2  # the broker's, then the CA's
    assert ensure_certificates(tmp_path, brokers=3, now=NOW + timedelta(days=1)) == []


def test_ensure_certificates_renews_near_expiry(tmp_path: Path) -> None:
    ensure_certificates(tmp_path, brokers=1, now=NOW)
    before = _load(tmp_path / "backend.pem")
    later = NOW + CERT_VALIDITY - RENEW_BEFORE + timedelta(hours=1)
    renewed = ensure_certificates(tmp_path, brokers=1, now=later)
    assert "backend" in renewed
    assert "ca" not in renewed
    after = _load(tmp_path / "backend.pem")
    assert after.not_valid_after_utc > before.not_valid_after_utc


def test_a_new_ca_reissues_everything_it_signed(tmp_path: Path) -> None:
    ensure_certificates(tmp_path, brokers=1, now=NOW)
    (tmp_path / "ca.pem").unlink()
    renewed = ensure_certificates(tmp_path, brokers=1, now=NOW)
    assert set(renewed) == {"ca", "kafka-1", *CLIENT_PRINCIPALS}
    _load(tmp_path / "tests.pem").verify_directly_issued_by(_load(tmp_path / "ca.pem"))
