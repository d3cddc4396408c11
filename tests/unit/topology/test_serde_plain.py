"""The serde's plain codec (the fast path for records of the local schemas) reads and
writes exactly what fastavro reads and writes: the same record for every valid body, a
refusal for every body fastavro refuses or leaves bytes after, the same bytes for every
record, and fastavro's own result or error for values off their field's type. fastavro is
the reference here."""

from __future__ import annotations

import io
import struct
import uuid

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from topology.schemas import parsed_schema
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import ALL_TOPICS, Topic

# Every (topic, record type) with a made-up id: the serde then reads them as local schemas
# without a registry (as the command handler does with the ids its start-up child found).
USES: list[tuple[Topic, type[Record]]] = [
    (topic, record_type) for topic in ALL_TOPICS for record_type in topic.record_types
]
IDS = {topic.subject(record_type): 100 + n for n, (topic, record_type) in enumerate(USES)}
SERDE = RecordSerde.from_config({"url": "http://127.0.0.1:1"}, known_schema_ids=IDS)

longs = st.integers(min_value=-(2**63), max_value=2**63 - 1)
texts = st.text(max_size=200)  # past 63 bytes the length prefix takes two bytes
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


@given(records)
def test_every_record_round_trips_through_the_plain_decoder(record: Record) -> None:
    topic = _topic_of(type(record))
    assert SERDE.deserialize(topic, SERDE.serialize(topic, record)) == record


def test_the_plain_decoder_reads_every_record_type_without_fastavro(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    samples: list[Record] = [
        Heartbeat(beat=7),
        ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL),
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 2**40, "cash", "NL66OPEN0000000000", "€ é"),
        AccountCreationConfirmed(uuid.uuid4(), "NL66OPEN0000000000", "0" * 20, Atype.AUTO),
        AccountCreationFailed(id=uuid.uuid4(), reason="generated iban already exists"),
        MoneyTransferConfirmed(id=uuid.uuid4()),
        MoneyTransferFailed(id=uuid.uuid4(), reason="insufficient funds"),
        BalanceChanged("NL66OPEN0000000000", -50_000, -(2**63), "cash", "x" * 300),
    ]
    assert {type(r) for r in samples} == set(RECORD_TYPES)
    encoded = [(_topic_of(type(r)), SERDE.serialize(_topic_of(type(r)), r)) for r in samples]

    def refuse(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("fastavro was asked to read a plain record")

    monkeypatch.setattr(fastavro, "schemaless_reader", refuse)
    assert [SERDE.deserialize(topic, data) for topic, data in encoded] == samples


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
def test_the_plain_encoder_writes_exactly_what_fastavro_writes(record: Record) -> None:
    topic = _topic_of(type(record))
    assert SERDE.serialize(topic, record) == _fastavro_value(topic, record)


def test_the_plain_encoder_writes_every_record_type_without_fastavro(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    samples: list[Record] = [
        Heartbeat(beat=-1),
        ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL),
        AccountCreationFailed(id=uuid.uuid4(), reason="x"),
        MoneyTransferConfirmed(id=uuid.uuid4()),
        BalanceChanged("NL66OPEN0000000000", 2**63 - 1, -(2**63), "cash", "é" * 100),
    ]
    expected = [_fastavro_value(_topic_of(type(r)), r) for r in samples]

    def refuse(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("fastavro was asked to write a plain record")

    monkeypatch.setattr(fastavro, "schemaless_writer", refuse)
    assert [SERDE.serialize(_topic_of(type(r)), r) for r in samples] == expected


_OFF_TYPE: list[Record] = [
    Heartbeat(beat=True),  # a bool is an int to fastavro: 1
    Heartbeat(beat=2**63),  # out of range: fastavro raises OverflowError
    Heartbeat(beat=1.5),  # type: ignore[arg-type]  # fastavro truncates
    MoneyTransferFailed(id=uuid.uuid4(), reason="\ud800"),  # fastavro raises
]


@pytest.mark.parametrize("record", _OFF_TYPE)
def test_values_off_their_field_type_are_left_to_fastavro(record: Record) -> None:
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
