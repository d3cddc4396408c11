"""Typed settings every app reads from its environment (names in docs/architecture.md).

Each service builds these once at its entrypoint (`KafkaSettings()`, …) and passes them
down; nothing reads `os.environ` elsewhere. Secrets are `SecretStr`, so they never show in
a repr or a log line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CompanyAccountSettings", "DatabaseSettings", "KafkaSettings", "RegistrySettings"]


class KafkaSettings(BaseSettings):
    """How to reach the Kafka cluster: `OPEN_BANK_KAFKA_*`.

    With `SSL` (the default) the three file locations are the CA and this service's own
    client certificate and PKCS#8 key: the brokers require mutual TLS.
    """

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["SSL", "PLAINTEXT"] = "SSL"
    ssl_ca_location: Path | None = None
    ssl_certificate_location: Path | None = None
    ssl_key_location: Path | None = None
    ssl_key_password: SecretStr | None = None


class RegistrySettings(BaseSettings):
    """How to reach the schema registry's Confluent-compatible API:
    `OPEN_BANK_SCHEMA_REGISTRY_*`. The URL has no trailing slash."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_SCHEMA_REGISTRY_", extra="ignore")

    url: str = "http://127.0.0.1:8081/apis/ccompat/v7"
    ssl_ca_location: Path | None = None
    ssl_certificate_location: Path | None = None
    ssl_key_location: Path | None = None
    timeout_s: float = 10.0
    """Timeout of one registry HTTP request, in seconds."""


class DatabaseSettings(BaseSettings):
    """The service's PostgreSQL database: `OPEN_BANK_DATABASE_URL`, a SQLAlchemy URL with
    the role's password in it (hence secret)."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_DATABASE_", extra="ignore")

    url: SecretStr


class CompanyAccountSettings(BaseSettings):
    """The company account's key: `OPEN_BANK_COMPANY_TOKEN`, twenty digits generated at the
    stack's first `up` (`.run/secrets/company.token`). Whoever holds it moves the company's
    money: only the handler's migration step (which stores it) and the command generator
    (which pays salaries) are given it."""

    # A refused value stays out of the error: it would end up in a log.
    model_config = SettingsConfigDict(
        env_prefix="OPEN_BANK_COMPANY_", extra="ignore", hide_input_in_errors=True
    )

    token: SecretStr

    @field_validator("token")
    @classmethod
    def _twenty_digits(cls, token: SecretStr) -> SecretStr:
        value = token.get_secret_value()
        if len(value) != 20 or not value.isascii() or not value.isdigit():
            raise ValueError(f"the company token must be 20 digits, got {len(value)} characters")
        return token
