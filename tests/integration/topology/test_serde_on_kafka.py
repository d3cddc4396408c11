"""The serde against the shared stack's real registry and Kafka: records of two types on
one topic come back as their own classes, and the bytes on the topic are Confluent's wire
format with the registry's schema ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.schema_registry import SchemaRegistryClient

from synchronizer.run import synchronize
from synchronizer.settings import SynchronizerSettings
from topology.clients import admin_config, consumer_config, producer_config, registry_config
from topology.records import (
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    Heartbeat,
    Record,
)
from topology.serde import RecordSerde, SchemaNotRegisteredError, UndecodableRecord
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import COMMANDS, HEARTBEAT, Topic

pytestmark = pytest.mark.integration


def _prefixed(env: dict[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


@pytest.fixture(scope="module")
def kafka(stack_env: dict[str, str]) -> KafkaSettings:
    """Settings of the `tests` principal (the shared `stack_env` fails if the stack is down)."""
    return KafkaSettings.model_validate(_prefixed(stack_env, "OPEN_BANK_KAFKA_"))


@pytest.fixture(scope="module")
def registry(registry_url: str) -> RegistrySettings:
    return RegistrySettings(url=registry_url)


@pytest.fixture
def serde(registry: RegistrySettings) -> Iterator[RecordSerde]:
    with SchemaRegistryClient(registry_config(registry)) as client:
        yield RecordSerde(client)


@pytest.fixture
def commands_like_topic(kafka: KafkaSettings, registry: RegistrySettings) -> Iterator[Topic]:
    """A unique topic carrying both command records, synchronized like the real ones."""
    topic = Topic(
        name=f"test_serde_{uuid.uuid4().hex[:12]}",
        partitions=1,
        key="command id",
        record_types=COMMANDS.record_types,
    )
    synchronize([topic], kafka, registry, SynchronizerSettings(attempts=2))
    yield topic
    AdminClient(admin_config(kafka, client_id="tests-cleanup")).delete_topics([topic.name])
    with httpx.Client(base_url=registry.url + "/", timeout=10) as http:
        for subject in topic.subjects:
            http.delete(f"subjects/{subject}")
            http.delete(f"subjects/{subject}", params={"permanent": "true"})


def _latest_id(registry: RegistrySettings, subject: str) -> int:
    with httpx.Client(base_url=registry.url + "/", timeout=10) as http:
        return int(http.get(f"subjects/{subject}/versions/latest").json()["id"])


def test_two_record_types_on_one_topic_decode_to_their_classes_from_wire_format_bytes(
    commands_like_topic: Topic, kafka: KafkaSettings, registry: RegistrySettings, serde: RecordSerde
) -> None:
    topic = commands_like_topic
    creation_id, transfer_id = uuid.uuid4(), uuid.uuid4()
    sent: list[tuple[uuid.UUID, Record]] = [
        (creation_id, ConfirmAccountCreation(id=creation_id, a_type=Atype.MANUAL)),
        (
            transfer_id,
            ConfirmMoneyTransfer(
                id=transfer_id,
                token="cash",
                amount=2_500,
                from_="cash",
                to="NL66OPEN0000000000",
                description="deposit",
            ),
        ),
    ]
    producer = Producer(producer_config(kafka, client_id="tests"))
    for command_id, record in sent:
        value = serde.serialize(topic, record)
        producer.produce(topic.name, key=str(command_id).encode(), value=value)
    assert producer.flush(10) == 0

    consumer = Consumer(
        consumer_config(kafka, client_id="tests", group_id=f"tests-{uuid.uuid4().hex}")
    )
    consumer.subscribe([topic.name])
    raw: list[bytes] = []
    try:
        while len(raw) < len(sent):
            message = consumer.poll(10)
            assert message is not None, "no message within 10 s"
            assert message.error() is None, message.error()
            body = message.value()
            assert body is not None
            raw.append(body)
    finally:
        consumer.close()

    for value, (command_id, record) in zip(raw, sent, strict=True):
        assert value[0] == 0  # magic byte
        schema_id = int.from_bytes(value[1:5], "big")
        assert schema_id == _latest_id(registry, topic.subject(type(record)))
        assert value[5:21] == command_id.bytes  # the Avro body starts with the Uuid fixed(16)
        # A fresh serde: the class must come from the registry, not from a warm cache.
        with SchemaRegistryClient(registry_config(registry)) as client:
            decoded = RecordSerde(client).deserialize(topic, value)
        assert type(decoded) is type(record)
        assert decoded == record


def test_a_topic_without_subjects_fails_clearly(serde: RecordSerde) -> None:
    topic = Topic(
        name=f"test_serde_{uuid.uuid4().hex[:12]}",
        partitions=1,
        key="k",
        record_types=(Heartbeat,),
    )
    with pytest.raises(SchemaNotRegisteredError, match=topic.subject(Heartbeat)):
        serde.serialize(topic, Heartbeat(beat=1))


def test_unknown_schema_id_is_undecodable(serde: RecordSerde) -> None:
    with pytest.raises(UndecodableRecord, match="schema id 987654 is unknown to the registry"):
        serde.deserialize(COMMANDS, b"\x00" + (987654).to_bytes(4, "big") + b"\x00")


def test_record_of_another_real_topic_is_undecodable(serde: RecordSerde) -> None:
    heartbeat = serde.serialize(HEARTBEAT, Heartbeat(beat=3))
    with pytest.raises(UndecodableRecord, match="which topic commands does not carry"):
        serde.deserialize(COMMANDS, heartbeat)
