"""How tools and tests reach the running stack as its `tests` principal.

The `tests` principal (docs/security.md) may create topics, consumer groups and
transactional ids of any name, so benchmarks and integration tests run real services on
private ones, which the running bank never reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from confluent_kafka.schema_registry import SchemaRegistryClient

from stack.env import service_env
from stack.layout import StackLayout
from topology.clients import registry_config
from topology.settings import KafkaSettings, RegistrySettings

__all__ = [
    "kafka_settings_from_env",
    "principal_settings",
    "registry_client",
    "registry_settings_from_env",
]

_KAFKA = "OPEN_BANK_KAFKA_"
_REGISTRY = "OPEN_BANK_SCHEMA_REGISTRY_"


def _prefixed(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


def kafka_settings_from_env(env: Mapping[str, str]) -> KafkaSettings:
    """KafkaSettings from a `stack.env.service_env(...)` mapping (not from os.environ)."""
    return KafkaSettings.model_validate(_prefixed(env, _KAFKA))


def registry_settings_from_env(env: Mapping[str, str]) -> RegistrySettings:
    """RegistrySettings from a `stack.env.service_env(...)` mapping (not from os.environ)."""
    return RegistrySettings.model_validate(_prefixed(env, _REGISTRY))


def principal_settings(layout: StackLayout | None = None) -> tuple[KafkaSettings, RegistrySettings]:
    """The `tests` principal's Kafka and registry settings on the stack of `layout`."""
    env = service_env("tests", layout)
    return kafka_settings_from_env(env), registry_settings_from_env(env)


def registry_client(url: str) -> SchemaRegistryClient:
    """A schema registry client for the Confluent-compatible API at `url`."""
    return SchemaRegistryClient(registry_config(RegistrySettings(url=url)))
