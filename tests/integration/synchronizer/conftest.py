"""Fixtures of the synchronizer's integration tests: the shared stack's settings, and
uniquely named topics (with their subjects) that are deleted afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from synchronizer.settings import SynchronizerSettings
from topology.clients import admin_config
from topology.records import Record
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import Topic


@pytest.fixture(scope="session")
def synchronizer_env(service_env: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """The environment the stack gives the synchronizer (the shared `service_env` fixture
    fails in one line when the stack is down)."""
    return service_env("synchronizer")


def _settings_fields(env: dict[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


@pytest.fixture(scope="session")
def kafka_settings(synchronizer_env: dict[str, str]) -> KafkaSettings:
    return KafkaSettings.model_validate(_settings_fields(synchronizer_env, "OPEN_BANK_KAFKA_"))


@pytest.fixture(scope="session")
def registry_settings(synchronizer_env: dict[str, str]) -> RegistrySettings:
    return RegistrySettings(url=synchronizer_env["OPEN_BANK_SCHEMA_REGISTRY_URL"])


@pytest.fixture
def quick_settings() -> SynchronizerSettings:
    return SynchronizerSettings(attempts=2, first_backoff_s=0.2, timeout_s=5.0)


@pytest.fixture
def admin(kafka_settings: KafkaSettings) -> AdminClient:
    return AdminClient(admin_config(kafka_settings, client_id="tests-synchronizer"))


TopicFactory = Callable[..., Topic]


@pytest.fixture
def unique_topic(
    kafka_config: dict[str, str | int | float | bool], registry_settings: RegistrySettings
) -> Iterator[TopicFactory]:
    """Makes `Topic`s named `test_sync_<random>_<n>`; deletes them and their subjects after.

    The `tests` principal deletes them: the synchronizer's ACLs allow no topic deletion.
    """
    made: list[Topic] = []
    prefix = f"test_sync_{uuid.uuid4().hex[:12]}"

    def make(
        record_types: tuple[type[Record], ...],
        partitions: int = 3,
        configs: dict[str, str] | None = None,
    ) -> Topic:
        topic = Topic(
            name=f"{prefix}_{len(made)}",
            partitions=partitions,
            key="test key",
            record_types=record_types,
            configs=configs or {},
        )
        made.append(topic)
        return topic

    yield make
    if made:
        cleaner = AdminClient(kafka_config)
        cleaner.delete_topics([t.name for t in made], operation_timeout=10)
    with httpx.Client(base_url=registry_settings.url + "/", timeout=10) as http:
        for subject in http.get("subjects").json():
            if subject.startswith(prefix):
                http.delete(f"subjects/{subject}")
                http.delete(f"subjects/{subject}", params={"permanent": "true"})
