"""Properties of `topology.serde`: every record round-trips through the wire format, and no
byte string makes `deserialize` fail with anything but `UndecodableRecord` (so a consumer
can dead-letter every bad message and never crash on one)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.local_registry import local_serde
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer, Record
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import COMMANDS


def _serde() -> RecordSerde:
    return local_serde()


SERDE = _serde()
longs = st.integers(min_value=-(2**63), max_value=2**63 - 1)
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


@given(commands)
def test_every_command_round_trips_through_the_wire_format(record: Record) -> None:
    data = SERDE.serialize(COMMANDS, record)
    assert data[0] == 0
    assert SERDE.deserialize(COMMANDS, data) == record


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
