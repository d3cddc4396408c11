"""Unit tests of `topology.serde` against the registry client library's own in-memory fake.

The integration tests repeat the important cases against the real registry.
"""

from __future__ import annotations

import json
import struct
import uuid

import pytest
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)

from tests.support.local_registry import registry_with_every_subject
from topology.records import (
    RECORD_TYPES,
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    Heartbeat,
    Record,
)
from topology.schemas import schema_text
from topology.serde import (
    RecordNotCarriedError,
    RecordSerde,
    RegistryUnavailableError,
    SchemaNotRegisteredError,
    UndecodableRecord,
)
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    ALL_TOPICS,
    BALANCE_CHANGED,
    COMMANDS,
    HEARTBEAT,
    Topic,
)

TRANSFER = ConfirmMoneyTransfer(
    id=uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100"),
    token="cash",
    amount=1_000,
    from_="cash",
    to="NL66OPEN0000000000",
    description="deposit",
)


def _registry_with_every_subject() -> MockSchemaRegistryClient:
    return registry_with_every_subject()


@pytest.fixture
def serde() -> RecordSerde:
    return RecordSerde(_registry_with_every_subject())


@pytest.mark.parametrize(
    ("topic_record"),
    [
        (COMMANDS, TRANSFER),
        (COMMANDS, ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL)),
        (
            ACCOUNT_CREATION_FEEDBACK,
            AccountCreationConfirmed(
                id=uuid.uuid4(), iban="NL66OPEN0000000000", token="0" * 20, a_type=Atype.AUTO
            ),
        ),
        (ACCOUNT_CREATION_FEEDBACK, AccountCreationFailed(id=uuid.uuid4(), reason="nope")),
        (HEARTBEAT, Heartbeat(beat=12)),
    ],
    ids=lambda pair: type(pair[1]).__name__,
)
def test_records_round_trip_to_their_own_class(
    serde: RecordSerde, topic_record: tuple[Topic, Record]
) -> None:
    topic, record = topic_record
    data = serde.serialize(topic, record)
    decoded = serde.deserialize(topic, data)
    assert type(decoded) is type(record)
    assert decoded == record


def test_wire_format_is_magic_byte_schema_id_then_avro_body(serde: RecordSerde) -> None:
    data = serde.serialize(COMMANDS, TRANSFER)
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert schema_id >= 1
    # The body starts with the 16 raw bytes of the Uuid (a fixed has no length prefix).
    assert data[5:21] == TRANSFER.id.bytes


def test_record_types_on_one_topic_get_different_schema_ids(serde: RecordSerde) -> None:
    creation = serde.serialize(COMMANDS, ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO))
    transfer = serde.serialize(COMMANDS, TRANSFER)
    assert creation[1:5] != transfer[1:5]


def test_serializing_a_record_the_topic_does_not_carry_is_refused(serde: RecordSerde) -> None:
    with pytest.raises(RecordNotCarriedError, match="topic heartbeat does not carry"):
        serde.serialize(HEARTBEAT, TRANSFER)


def test_missing_subject_fails_naming_it_and_the_synchronizer() -> None:
    serde = RecordSerde(MockSchemaRegistryClient({"url": "mock://"}))
    with pytest.raises(
        SchemaNotRegisteredError,
        match=r"commands-nl\.openweb\.data\.ConfirmMoneyTransfer.*synchronizer",
    ):
        serde.serialize(COMMANDS, TRANSFER)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "shorter than the 5-byte Confluent header"),
        (b"\x00\x00\x00", "shorter than the 5-byte Confluent header"),
        (b"\x01\x00\x00\x00\x01abc", "magic byte is 1, expected 0"),
        (b'{"json": true}', "magic byte is 123"),
        (b"\x00\x00\x00\x03\xe7\x00", "schema id 999 is unknown to the registry"),
    ],
)
def test_bad_framing_is_undecodable_with_a_precise_reason(
    serde: RecordSerde, data: bytes, reason: str
) -> None:
    with pytest.raises(UndecodableRecord) as caught:
        serde.deserialize(COMMANDS, data)
    assert reason in caught.value.reason


def test_record_of_another_topic_is_undecodable(serde: RecordSerde) -> None:
    data = serde.serialize(HEARTBEAT, Heartbeat(beat=1))
    with pytest.raises(UndecodableRecord, match="Heartbeat, which topic commands does not carry"):
        serde.deserialize(COMMANDS, data)


def test_truncated_body_is_undecodable(serde: RecordSerde) -> None:
    data = serde.serialize(COMMANDS, TRANSFER)
    for cut in range(5, len(data)):
        with pytest.raises(UndecodableRecord, match="Avro body of ConfirmMoneyTransfer"):
            serde.deserialize(COMMANDS, data[:cut])


def test_trailing_bytes_are_undecodable(serde: RecordSerde) -> None:
    data = serde.serialize(COMMANDS, TRANSFER)
    with pytest.raises(UndecodableRecord, match="2 bytes left after the Avro body"):
        serde.deserialize(COMMANDS, data + b"\x00\x00")


def test_bad_enum_index_is_undecodable(serde: RecordSerde) -> None:
    data = serde.serialize(COMMANDS, ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO))
    # The enum index is the last byte (zig-zag varint); 2·7 encodes index 7 of 2 symbols.
    with pytest.raises(UndecodableRecord, match="malformed"):
        serde.deserialize(COMMANDS, data[:-1] + bytes([14]))


def test_schema_of_an_unknown_record_name_is_undecodable() -> None:
    registry = _registry_with_every_subject()
    foreign = {"type": "record", "name": "Other", "namespace": "x", "fields": []}
    schema_id = registry.register_schema("commands-x.Other", Schema(json.dumps(foreign), "AVRO"))
    serde = RecordSerde(registry)
    with pytest.raises(UndecodableRecord, match=f"schema id {schema_id} writes x.Other"):
        serde.deserialize(COMMANDS, b"\x00" + schema_id.to_bytes(4, "big"))


def _register_variant(registry: MockSchemaRegistryClient, fields: list[dict[str, object]]) -> int:
    variant = json.loads(schema_text(BalanceChanged))
    variant["fields"] = fields
    return registry.register_schema(
        BALANCE_CHANGED.subject(BalanceChanged), Schema(json.dumps(variant), "AVRO")
    )


def test_a_newer_writer_with_an_extra_field_is_read_into_the_current_class() -> None:
    registry = _registry_with_every_subject()
    current = json.loads(schema_text(BalanceChanged))["fields"]
    schema_id = _register_variant(registry, [*current, {"name": "note", "type": "string"}])
    written = RecordSerde(registry).serialize(
        BALANCE_CHANGED, BalanceChanged("NL66OPEN0000000000", 5, 5, "cash", "d")
    )
    # Same body plus the extra string field "x" (length 1 zig-zag encoded as 2).
    data = b"\x00" + schema_id.to_bytes(4, "big") + written[5:] + b"\x02x"
    decoded = RecordSerde(registry).deserialize(BALANCE_CHANGED, data)
    assert decoded == BalanceChanged("NL66OPEN0000000000", 5, 5, "cash", "d")


def test_a_writer_the_current_schema_cannot_resolve_is_undecodable() -> None:
    registry = _registry_with_every_subject()
    current = json.loads(schema_text(BalanceChanged))["fields"]
    schema_id = _register_variant(registry, [f for f in current if f["name"] != "description"])
    # iban "a", new_balance 2, changed_by 3, from_to "b"; no description, which has no default.
    data = b"\x00" + schema_id.to_bytes(4, "big") + b"\x02a\x04\x06\x02b"
    with pytest.raises(UndecodableRecord, match="malformed"):
        RecordSerde(registry).deserialize(BALANCE_CHANGED, data)


def test_every_record_type_is_carried_by_some_topic() -> None:
    assert all(any(t.carries(r) for t in ALL_TOPICS) for r in RECORD_TYPES)


# Nothing listens there, and the client does not retry: asking the registry fails at once.
_NO_REGISTRY = {"url": "http://127.0.0.1:9", "max.retries": 0}


def test_an_unknown_subject_asks_the_registry_it_was_configured_with() -> None:
    serde = RecordSerde.from_config(_NO_REGISTRY)
    record = BalanceChanged(
        iban="NL12OPEN0123456789",
        new_balance=1,
        changed_by=1,
        from_to="cash",
        description="deposit",
    )
    with pytest.raises(RegistryUnavailableError):
        serde.serialize(BALANCE_CHANGED, record)
    serde.close()
    serde.close()  # idempotent


def test_a_serde_needs_exactly_one_way_to_reach_the_registry() -> None:
    with pytest.raises(ValueError, match="either"):
        RecordSerde()
    with pytest.raises(ValueError, match="either"):
        RecordSerde(MockSchemaRegistryClient({"url": "mock://"}), registry_config={"url": "x"})
