"""Kafka's own topics on the real broker: `up` gives them small segments, and sets a
drifted size back (a cluster made before server.properties asked for it)."""

from __future__ import annotations

import pytest
from confluent_kafka.admin import AdminClient

# Defined there; confluent_kafka.admin re-exports them without marking it for type checks.
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource

from stack.broker_admin import broker_admin
from stack.internal_topics import INTERNAL_SEGMENT_BYTES, align_internal_topics
from stack.layout import StackLayout
from stack.state import read_state

pytestmark = [pytest.mark.integration]

_OFFSETS = "__consumer_offsets"
_KAFKAS_DEFAULT = str(100 * 1024 * 1024)


def _segment_bytes(admin: AdminClient) -> str:
    resource = ConfigResource(ConfigResource.Type.TOPIC, _OFFSETS)
    entries = admin.describe_configs([resource])[resource].result(timeout=30)
    value: str = entries["segment.bytes"].value
    return value


def _set_segment_bytes(admin: AdminClient, value: str) -> None:
    entry = ConfigEntry("segment.bytes", value, incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ConfigResource.Type.TOPIC, _OFFSETS, incremental_configs=[entry])
    admin.incremental_alter_configs([resource])[resource].result(timeout=30)


def test_a_drifted_segment_size_of_the_offsets_topic_is_set_back(
    stack_env: dict[str, str], stack_layout: StackLayout
) -> None:
    bootstrap = stack_layout.ports.bootstrap_servers(read_state(stack_layout).brokers)
    admin = broker_admin(bootstrap, stack_layout.certs_dir, "tests-internal-topics")
    assert _segment_bytes(admin) == str(INTERNAL_SEGMENT_BYTES)  # as `up` left it
    _set_segment_bytes(admin, _KAFKAS_DEFAULT)
    try:
        assert _OFFSETS in align_internal_topics(bootstrap, stack_layout.certs_dir)
        assert _segment_bytes(admin) == str(INTERNAL_SEGMENT_BYTES)
        assert align_internal_topics(bootstrap, stack_layout.certs_dir) == []
    finally:
        _set_segment_bytes(admin, str(INTERNAL_SEGMENT_BYTES))
