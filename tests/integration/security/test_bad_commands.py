"""Bad bytes written to the stack's real `commands` topic end in `dead_letter`, with a reason.

Malformed bytes, a Confluent frame naming a schema id the registry does not have, and a
well-formed record of a type `commands` does not carry (a Heartbeat): the running command
handler must dead-letter each with the reason, answer none of them, and keep answering.
The writer is the `tests` principal, standing in for a compromised or buggy producer.
"""

from __future__ import annotations

import struct
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient

from topology.clients import registry_config
from topology.dead_letter import read_dead_letter_origin
from topology.records import Heartbeat
from topology.serde import RecordSerde
from topology.settings import RegistrySettings
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    COMMANDS,
    DEAD_LETTER,
    HEARTBEAT,
    MONEY_TRANSFER_FEEDBACK,
)

pytestmark = pytest.mark.integration

KafkaConfig = dict[str, str | int | float | bool]
_WAIT_S = 30.0
# After the dead letters arrived, how long answers to the bad keys are still looked for (s).
_QUIET_S = 3.0


@pytest.fixture
def watcher(kafka_config: KafkaConfig) -> Iterator[Consumer]:
    """Reads dead_letter and both feedback topics from their current ends (no group)."""
    consumer = Consumer(
        {**kafka_config, "group.id": f"tests-security-{uuid.uuid4().hex[:8]}"}
        | {"enable.auto.commit": False}
    )
    # Start exactly at each partition's current end, so nothing written later is missed.
    partitions = []
    for topic in (DEAD_LETTER, ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK):
        for partition in range(topic.partitions):
            where = TopicPartition(topic.name, partition)
            _low, high = consumer.get_watermark_offsets(where, timeout=_WAIT_S)
            partitions.append(TopicPartition(topic.name, partition, high))
    consumer.assign(partitions)
    yield consumer
    consumer.close()


def _heartbeat_bytes(registry_url: str) -> bytes:
    with SchemaRegistryClient(registry_config(RegistrySettings(url=registry_url))) as client:
        return RecordSerde(client).serialize(HEARTBEAT, Heartbeat(beat=1))


def test_each_bad_command_is_dead_lettered_with_its_reason_and_answered_never(
    kafka_config: KafkaConfig, registry_url: str, watcher: Consumer
) -> None:
    run = uuid.uuid4().hex[:8]
    bad = {
        f"malformed-{run}".encode(): b"\x07 not even a Confluent frame",
        f"unknown-schema-{run}".encode(): b"\x00" + struct.pack(">I", 2_000_000_001) + b"\x02",
        f"wrong-type-{run}".encode(): _heartbeat_bytes(registry_url),
    }
    producer = Producer({**kafka_config, "linger.ms": 0, "acks": "all"})
    for key, value in bad.items():
        producer.produce(COMMANDS.name, key=key, value=value)
    assert producer.flush(_WAIT_S) == 0

    dead: dict[bytes, Message] = {}
    answered: list[bytes] = []
    deadline = time.monotonic() + _WAIT_S
    quiet_until: float | None = None
    while time.monotonic() < (quiet_until or deadline):
        message = watcher.poll(0.2)
        if message is None or message.error() is not None:
            continue
        found = message.key()
        if not isinstance(found, bytes) or found not in bad:
            continue
        if message.topic() == DEAD_LETTER.name:
            dead[found] = message
            if len(dead) == len(bad) and quiet_until is None:
                quiet_until = time.monotonic() + _QUIET_S
        else:
            answered.append(found)
    assert set(dead) == set(bad), f"dead-lettered: {sorted(dead)}"
    assert answered == [], "a bad command got an answer"
    for key, message in dead.items():
        assert message.value() == bad[key], "the original bytes are kept"
    reasons = {key: _reason(message) for key, message in dead.items()}
    assert any(w in reasons[f"malformed-{run}".encode()] for w in ("magic byte", "Confluent"))
    assert "2000000001" in reasons[f"unknown-schema-{run}".encode()]
    assert "Heartbeat" in reasons[f"wrong-type-{run}".encode()]


def _reason(message: Message) -> str:
    raw = message.headers() or []
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    headers = [(name, value.encode() if isinstance(value, str) else value) for name, value in pairs]
    return read_dead_letter_origin(headers).reason
