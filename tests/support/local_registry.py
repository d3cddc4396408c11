"""An in-process schema registry holding every subject of the topology.

For unit tests that need the real Avro work of `RecordSerde` (same schemas, same wire
format, same ids per subject) without a registry process.
"""

from __future__ import annotations

from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)

from topology.schemas import schema_text
from topology.serde import RecordSerde
from topology.topics import ALL_TOPICS

__all__ = ["local_serde", "registry_with_every_subject"]


def registry_with_every_subject() -> MockSchemaRegistryClient:
    """A fresh in-process registry with every topic's record types registered."""
    registry = MockSchemaRegistryClient({"url": "mock://"})
    for topic in ALL_TOPICS:
        for record_type in topic.record_types:
            registry.register_schema(
                topic.subject(record_type), Schema(schema_text(record_type), "AVRO")
            )
    return registry


def local_serde() -> RecordSerde:
    """A `RecordSerde` over `registry_with_every_subject()`."""
    return RecordSerde(registry_with_every_subject())
