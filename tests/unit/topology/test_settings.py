"""Unit tests of `topology.settings`: env prefixes and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from topology.settings import (
    CompanyAccountSettings,
    DatabaseSettings,
    KafkaSettings,
    RegistrySettings,
)


def test_kafka_settings_read_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092,127.0.0.1:9192")
    monkeypatch.setenv("OPEN_BANK_KAFKA_SSL_CA_LOCATION", "/certs/ca.pem")
    monkeypatch.setenv("OPEN_BANK_KAFKA_SSL_KEY_PASSWORD", "hunter2")
    settings = KafkaSettings()
    assert settings.bootstrap_servers == "127.0.0.1:9092,127.0.0.1:9192"
    assert settings.security_protocol == "SSL"
    assert settings.ssl_ca_location == Path("/certs/ca.pem")
    assert settings.ssl_key_password is not None
    assert "hunter2" not in repr(settings)


def test_registry_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_SCHEMA_REGISTRY_URL", "http://127.0.0.1:8181/apis/ccompat/v7")
    assert RegistrySettings().url == "http://127.0.0.1:8181/apis/ccompat/v7"


def test_database_url_is_secret_and_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPEN_BANK_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError):
        DatabaseSettings()
    url = "postgresql+psycopg://backend:s3cret@127.0.0.1:5433/backend"
    monkeypatch.setenv("OPEN_BANK_DATABASE_URL", url)
    settings = DatabaseSettings()
    assert settings.url.get_secret_value() == url
    assert "s3cret" not in repr(settings)


def test_company_token_is_secret_and_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPEN_BANK_COMPANY_TOKEN", raising=False)
    with pytest.raises(ValidationError):
        CompanyAccountSettings()
    monkeypatch.setenv("OPEN_BANK_COMPANY_TOKEN", "27182818284590452353")
    settings = CompanyAccountSettings()
    assert settings.token.get_secret_value() == "27182818284590452353"
    assert "2718281828" not in repr(settings)


@pytest.mark.parametrize(
    "token", ["", "1234", "2718281828459045235", "271828182845904523531", "2718281828459045235x"]
)
def test_a_company_token_other_than_twenty_digits_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("OPEN_BANK_COMPANY_TOKEN", token)
    with pytest.raises(ValidationError, match="must be 20 digits") as refused:
        CompanyAccountSettings()
    assert not token or token not in str(refused.value)
