"""Schema evolution against the real registry and Kafka, on private topics and subjects.

A topic holds BalanceChanged records written with version 1 (no `command_id`); the
synchronizer registers the local version 2 as a compatible new version, and the backend's
decoder reads the old and the new records from the same topic. An incompatible change (a
required field, a changed type) is refused by the registry through the synchronizer, naming
the subject and why, and then nothing of that schema can be produced.
"""

from __future__ import annotations

import io
import json
import struct
import uuid
from collections.abc import Callable, Iterator

import fastavro
import httpx
import pytest
from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient

from backend.kafka.decoding import decode_batch
from synchronizer.errors import IncompatibleSchemaError
from synchronizer.registry_api import RegistryApi
from synchronizer.run import synchronize
from synchronizer.schema_plan import SubjectSpec
from synchronizer.schema_sync import sync_schemas
from synchronizer.settings import SynchronizerSettings
from topology.clients import registry_config
from topology.records import BalanceChanged
from topology.schemas import schema_text
from topology.serde import RecordSerde
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import Topic

pytestmark = pytest.mark.integration

TopicFactory = Callable[..., Topic]  # the `unique_topic` fixture
ClientConfig = dict[str, str | int | float | bool]


def _version_1() -> dict[str, object]:
    """BalanceChanged as first registered: the local schema without `command_id`."""
    schema = json.loads(schema_text(BalanceChanged))
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "command_id"]
    return dict(schema)


@pytest.fixture
def serde(registry_settings: RegistrySettings) -> Iterator[RecordSerde]:
    with SchemaRegistryClient(registry_config(registry_settings)) as client:
        yield RecordSerde(client)


def _register(registry_settings: RegistrySettings, subject: str, schema: str) -> int:
    with httpx.Client(base_url=registry_settings.url + "/", timeout=10) as http:
        answer = http.post(f"subjects/{subject}/versions", json={"schema": schema})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["id"])


def _versions(registry_settings: RegistrySettings, subject: str) -> list[int]:
    with httpx.Client(base_url=registry_settings.url + "/", timeout=10) as http:
        versions: list[int] = http.get(f"subjects/{subject}/versions").json()
        return versions


def _old_record_bytes(schema_id: int, change: BalanceChanged) -> bytes:
    """What the handler wrote before the field existed: version 1's id and body."""
    body = io.BytesIO()
    body.write(struct.pack(">bI", 0, schema_id))
    avro = change.to_avro()
    del avro["command_id"]
    fastavro.schemaless_writer(body, fastavro.parse_schema(_version_1()), avro)
    return body.getvalue()


def _read_all(kafka_config: ClientConfig, topic: Topic, count: int) -> list[Message]:
    consumer = Consumer(
        {**kafka_config, "group.id": f"{topic.name}-reader", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic.name])
    messages: list[Message] = []
    try:
        for _ in range(60):
            messages += [m for m in consumer.consume(count, timeout=0.5) if m.error() is None]
            if len(messages) >= count:
                return messages
    finally:
        consumer.close()
    raise AssertionError(f"read {len(messages)} of {count} records from {topic.name}")


def test_a_new_optional_field_is_a_new_version_and_old_and_new_records_are_both_read(
    unique_topic: TopicFactory,
    kafka_settings: KafkaSettings,
    registry_settings: RegistrySettings,
    quick_settings: SynchronizerSettings,
    kafka_config: ClientConfig,
    serde: RecordSerde,
    admin: AdminClient,
) -> None:
    topic = unique_topic((BalanceChanged,), partitions=1)
    subject = topic.subject(BalanceChanged)
    # Before the upgrade: the topic holds a record written with version 1.
    admin.create_topics([NewTopic(topic.name, 1, 1)])[topic.name].result(timeout=10)
    old_id = _register(registry_settings, subject, json.dumps(_version_1()))
    old = BalanceChanged("NL66OPEN0000000001", 1_000, 1_000, "cash", "before")
    producer = Producer(kafka_config)
    producer.produce(topic.name, _old_record_bytes(old_id, old), old.iban.encode())
    assert producer.flush(10) == 0

    report = synchronize([topic], kafka_settings, registry_settings, quick_settings)

    ((registered_subject, new_id),) = report.schemas.registered
    assert registered_subject == subject
    assert new_id != old_id
    assert _versions(registry_settings, subject) == [1, 2]
    with RegistryApi(registry_settings) as api:
        assert api.compatibility(subject) == "BACKWARD"
    new = BalanceChanged("NL66OPEN0000000001", 900, -100, "cash", "after", uuid.uuid4())
    producer.produce(topic.name, serde.serialize(topic, new), new.iban.encode())
    assert producer.flush(10) == 0

    messages = _read_all(kafka_config, topic, 2)
    written_with = [struct.unpack(">bI", (m.value() or b"")[:5])[1] for m in messages]
    assert written_with == [old_id, new_id]
    # The backend's decoder (projector and live feed) and a fresh serde, as after a restart.
    delivered, skipped = decode_batch(messages, serde, {topic.name: topic})
    assert skipped == 0
    records = [d.record for d in delivered]
    assert records == [old, new]
    assert [r.command_id for r in records if isinstance(r, BalanceChanged)] == [
        None,
        new.command_id,
    ]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (
            {"name": "branch", "type": "string"},
            "field branch added without a default",
        ),
        (
            {"name": "command_id", "type": "long", "default": 0},
            'field command_id changed type from ["null","string"] to "long"',
        ),
    ],
    ids=["required field", "changed type"],
)
def test_an_incompatible_change_is_refused_by_the_registry_and_cannot_be_produced(
    unique_topic: TopicFactory,
    registry_settings: RegistrySettings,
    field: dict[str, object],
    reason: str,
) -> None:
    topic = unique_topic((BalanceChanged,), partitions=1)
    subject = topic.subject(BalanceChanged)
    _register(registry_settings, subject, schema_text(BalanceChanged))
    candidate = json.loads(schema_text(BalanceChanged))
    candidate["fields"] = [f for f in candidate["fields"] if f["name"] != field["name"]]
    candidate["fields"].append(field)
    candidate_text = json.dumps(candidate)

    with RegistryApi(registry_settings) as api, pytest.raises(IncompatibleSchemaError) as caught:
        sync_schemas(api, [SubjectSpec(subject, candidate_text)])

    message = str(caught.value)
    assert message.startswith(f"refused, nothing registered: subject {subject}: ")
    assert "not BACKWARD compatible with its latest version" in message
    assert reason in message
    assert _versions(registry_settings, subject) == [1]
    # An app writes only a schema its subject holds (the serde looks it up and stops with
    # SchemaNotRegisteredError otherwise): the refused one is not there to be written.
    with RegistryApi(registry_settings) as api:
        assert api.lookup(subject, candidate_text) is None
        assert api.lookup(subject, schema_text(BalanceChanged)) is not None
