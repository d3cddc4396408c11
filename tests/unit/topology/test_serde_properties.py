"""Properties of `topology.serde`: every record round-trips through the wire format; no byte
string makes `deserialize` fail with anything but `UndecodableRecord` (so a consumer can
dead-letter every bad message and never crash on one); and the wire format is exactly the
Confluent header followed by what fastavro writes, read back as fastavro reads it (the same
record for every valid body, a refusal for every body fastavro refuses or leaves bytes after,
fastavro's own result or error for values off their field's type)."""

from __future__ import annotations

import io
import struct
import uuid

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)
from topology.schemas import parsed_schema, schema_text
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import ALL_TOPICS, COMMANDS, Topic

REGISTRY = registry_with_every_subject()
SERDE = RecordSerde(REGISTRY)
# Every (topic, record type), and the id the registry gave its subject.
USES: list[tuple[Topic, type[Record]]] = [
    (topic, record_type) for topic in ALL_TOPICS for record_type in topic.record_types
]
IDS = {
    topic.subject(record_type): REGISTRY.lookup_schema(
        topic.subject(record_type), Schema(schema_text(record_type), "AVRO")
    ).schema_id
    for topic, record_type in USES
}

longs = st.integers(min_value=-(2**63), max_value=2**63 - 1)
texts = st.text(max_size=200)  # past 63 bytes the length prefix takes two bytes
commands: st.SearchStrategy[Record] = st.one_of(
    st.builds(ConfirmAccountCreation, id=st.uuids(), a_type=st.sampled_from(Atype)),
    st.builds(
        ConfirmMoneyTransfer,
        id=st.uuids(),
        token=st.text(max_size=30),
        amount=longs,
        from_=st.text(max_size=30),
        to=st.text(max_size=30),
        description=st.text(max_size=60),
    ),
)
records: st.SearchStrategy[Record] = st.one_of(
    st.builds(Heartbeat, beat=longs),
    st.builds(ConfirmAccountCreation, id=st.uuids(), a_type=st.sampled_from(Atype)),
    st.builds(
        ConfirmMoneyTransfer,
        id=st.uuids(),
        token=texts,
        amount=longs,
        from_=texts,
        to=texts,
        description=texts,
    ),
    st.builds(
        AccountCreationConfirmed,
        id=st.uuids(),
        iban=texts,
        token=texts,
        a_type=st.sampled_from(Atype),
    ),
    st.builds(AccountCreationFailed, id=st.uuids(), reason=texts),
    st.builds(MoneyTransferConfirmed, id=st.uuids()),
    st.builds(MoneyTransferFailed, id=st.uuids(), reason=texts),
    st.builds(
        BalanceChanged,
        iban=texts,
        new_balance=longs,
        changed_by=longs,
        from_to=texts,
        description=texts,
    ),
)


def _topic_of(record_type: type[Record]) -> Topic:
    return next(topic for topic, carried in USES if carried is record_type)


def _header(topic: Topic, record_type: type[Record]) -> bytes:
    return struct.pack(">bI", 0, IDS[topic.subject(record_type)])


@given(commands)
def test_every_command_round_trips_through_the_wire_format(record: Record) -> None:
    data = SERDE.serialize(COMMANDS, record)
    assert data[0] == 0
    assert SERDE.deserialize(COMMANDS, data) == record


@given(records)
def test_every_record_round_trips_on_its_topic(record: Record) -> None:
    topic = _topic_of(type(record))
    assert SERDE.deserialize(topic, SERDE.serialize(topic, record)) == record


def _decode_or_refuse(data: bytes) -> None:
    try:
        decoded = SERDE.deserialize(COMMANDS, data)
    except UndecodableRecord as refused:
        reason = refused.reason
    else:
        assert COMMANDS.carries(type(decoded))
        return
    assert reason  # every refusal says why


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(commands, st.data())
def test_any_corruption_of_a_valid_message_decodes_or_is_undecodable(
    record: Record, data: st.DataObject
) -> None:
    original = bytearray(SERDE.serialize(COMMANDS, record))
    position = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
    original[position] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(original)))
    _decode_or_refuse(bytes(original[:cut]))


@given(st.sampled_from([b"\x00\x00\x00\x00\x01", b"\x00\x00\x00\x00\x02"]), st.binary())
def test_random_bodies_behind_a_known_schema_id_decode_or_are_undecodable(
    header: bytes, body: bytes
) -> None:
    _decode_or_refuse(header + body)


def _reference(record_type: type[Record], body: bytes) -> Record | None:
    """What fastavro reads from `body` with the local schema; None if it refuses it or
    leaves bytes after the record."""
    stream = io.BytesIO(body)
    try:
        value = fastavro.schemaless_reader(stream, parsed_schema(record_type), None)
        if not isinstance(value, dict) or stream.tell() != len(body):
            return None
        return record_type.from_avro(value)
    except (EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError, MemoryError):
        return None


def _assert_reads_like_fastavro(record_type: type[Record], body: bytes) -> None:
    topic = _topic_of(record_type)
    expected = _reference(record_type, body)
    if expected is None:
        with pytest.raises(UndecodableRecord):
            SERDE.deserialize(topic, _header(topic, record_type) + body)
    else:
        assert SERDE.deserialize(topic, _header(topic, record_type) + body) == expected


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(records, st.data())
def test_a_corrupted_body_reads_exactly_as_fastavro_reads_it(
    record: Record, data: st.DataObject
) -> None:
    topic = _topic_of(type(record))
    body = bytearray(SERDE.serialize(topic, record)[5:])
    if body:
        position = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        body[position] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(body) + 2))
    tail = data.draw(st.binary(max_size=2))
    _assert_reads_like_fastavro(type(record), bytes(body[:cut]) + tail)


@given(st.sampled_from(RECORD_TYPES), st.binary(max_size=80))
def test_random_bytes_read_exactly_as_fastavro_reads_them(
    record_type: type[Record], body: bytes
) -> None:
    _assert_reads_like_fastavro(record_type, body)


@pytest.mark.parametrize(
    "body",
    [
        b"\xff" * 9 + b"\x01",  # -2**63, ten bytes
        b"\xff" * 10 + b"\x01",  # eleven bytes: fastavro wraps at 64 bits
        b"\xfe" * 9 + b"\x7f",  # bits past 64
        b"\x80\x00",  # zero in two bytes (not canonical, still valid)
        b"\x80",  # truncated varint
    ],
)
def test_long_varints_at_and_past_64_bits_read_as_fastavro_reads_them(body: bytes) -> None:
    _assert_reads_like_fastavro(Heartbeat, body)


def _fastavro_value(topic: Topic, record: Record) -> bytes:
    """The reference: the header, then fastavro's body of `record.to_avro()`."""
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed_schema(type(record)), record.to_avro())
    return _header(topic, type(record)) + body.getvalue()


@given(records)
def test_the_wire_format_is_the_header_then_what_fastavro_writes(record: Record) -> None:
    topic = _topic_of(type(record))
    assert SERDE.serialize(topic, record) == _fastavro_value(topic, record)


_EDGE_VALUES: list[Record] = [
    Heartbeat(beat=7),
    Heartbeat(beat=-1),
    ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL),
    ConfirmMoneyTransfer(uuid.uuid4(), "cash", 2**40, "cash", "NL66OPEN0000000000", "€ é"),
    AccountCreationConfirmed(uuid.uuid4(), "NL66OPEN0000000000", "0" * 20, Atype.AUTO),
    AccountCreationFailed(id=uuid.uuid4(), reason="generated iban already exists"),
    AccountCreationFailed(id=uuid.uuid4(), reason="x"),
    MoneyTransferConfirmed(id=uuid.uuid4()),
    MoneyTransferFailed(id=uuid.uuid4(), reason="insufficient funds"),
    BalanceChanged("NL66OPEN0000000000", -50_000, -(2**63), "cash", "x" * 300),
    BalanceChanged("NL66OPEN0000000000", 2**63 - 1, -(2**63), "cash", "é" * 100),
]


def test_the_edge_values_cover_every_record_type() -> None:
    assert {type(r) for r in _EDGE_VALUES} == set(RECORD_TYPES)


@pytest.mark.parametrize("record", _EDGE_VALUES, ids=lambda r: type(r).AVRO_NAME)
def test_edge_values_write_fastavros_bytes_and_read_back(record: Record) -> None:
    topic = _topic_of(type(record))
    data = SERDE.serialize(topic, record)
    assert data == _fastavro_value(topic, record)
    assert SERDE.deserialize(topic, data) == record


_OFF_TYPE: list[Record] = [
    Heartbeat(beat=True),  # a bool is an int to fastavro: 1
    Heartbeat(beat=2**63),  # out of range: fastavro raises OverflowError
    Heartbeat(beat=1.5),  # type: ignore[arg-type]  # fastavro truncates
    MoneyTransferFailed(id=uuid.uuid4(), reason="\ud800"),  # fastavro raises
]


@pytest.mark.parametrize("record", _OFF_TYPE)
def test_values_off_their_field_type_get_fastavros_result_or_error(record: Record) -> None:
    topic = _topic_of(type(record))
    try:
        expected: bytes | type[Exception] = _fastavro_value(topic, record)
    except (OverflowError, UnicodeEncodeError) as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert SERDE.serialize(topic, record) == expected
    else:
        with pytest.raises(expected):
            SERDE.serialize(topic, record)
