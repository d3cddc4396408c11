"""Unit tests of `topology.records` and `topology.schemas`: every schema parses, every record
round-trips through fastavro's binary encoding, field names match SPEC §2."""

from __future__ import annotations

import io
import json
import uuid

import fastavro
import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.records import (
    NAMESPACE,
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
    full_name,
    record_type_by_full_name,
)
from topology.schemas import parsed_schema, schema_text

longs = st.integers(min_value=-(2**63), max_value=2**63 - 1)
texts = st.text(max_size=40)
uuids = st.uuids()
atypes = st.sampled_from(Atype)

any_record: st.SearchStrategy[Record] = st.one_of(
    st.builds(Heartbeat, beat=longs),
    st.builds(ConfirmAccountCreation, id=uuids, a_type=atypes),
    st.builds(AccountCreationConfirmed, id=uuids, iban=texts, token=texts, a_type=atypes),
    st.builds(AccountCreationFailed, id=uuids, reason=texts),
    st.builds(
        ConfirmMoneyTransfer,
        id=uuids,
        token=texts,
        amount=longs,
        from_=texts,
        to=texts,
        description=texts,
    ),
    st.builds(MoneyTransferConfirmed, id=uuids),
    st.builds(MoneyTransferFailed, id=uuids, reason=texts),
    st.builds(
        BalanceChanged,
        iban=texts,
        new_balance=longs,
        changed_by=longs,
        from_to=texts,
        description=texts,
        command_id=st.none() | uuids,
        decided=st.none() | longs,
    ),
)

SPEC_FIELDS: dict[type[Record], list[tuple[str, object]]] = {
    Heartbeat: [("beat", "long")],
    ConfirmAccountCreation: [("id", "Uuid"), ("a_type", "Atype")],
    AccountCreationConfirmed: [
        ("id", "Uuid"),
        ("iban", "string"),
        ("token", "string"),
        ("a_type", "Atype"),
    ],
    AccountCreationFailed: [("id", "Uuid"), ("reason", "string")],
    ConfirmMoneyTransfer: [
        ("id", "Uuid"),
        ("token", "string"),
        ("amount", "long"),
        ("from", "string"),
        ("to", "string"),
        ("description", "string"),
    ],
    MoneyTransferConfirmed: [("id", "Uuid")],
    MoneyTransferFailed: [("id", "Uuid"), ("reason", "string")],
    BalanceChanged: [
        ("iban", "string"),
        ("new_balance", "long"),
        ("changed_by", "long"),
        ("from_to", "string"),
        ("description", "string"),
        # Added after the spec, optional (docs/topology.md, "Evolving a schema").
        ("command_id", ["null", "string"]),
        ("decided", ["null", "long"]),
    ],
}


def _type_name(avro_type: object) -> object:
    if isinstance(avro_type, dict):
        if avro_type["type"] == "fixed":
            assert avro_type["size"] == 16
        if avro_type["type"] == "enum":
            assert avro_type["symbols"] == ["AUTO", "MANUAL"]
        return avro_type["name"]
    return avro_type


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.AVRO_NAME)
def test_every_schema_parses_with_spec_fields(record_type: type[Record]) -> None:
    parsed = parsed_schema(record_type)
    assert parsed["name"] == full_name(record_type)
    raw = json.loads(schema_text(record_type))
    assert raw["namespace"] == NAMESPACE
    assert raw["name"] == record_type.AVRO_NAME
    fields = [(f["name"], _type_name(f["type"])) for f in raw["fields"]]
    assert fields == SPEC_FIELDS[record_type]


def test_every_record_type_has_a_spec_entry() -> None:
    assert set(RECORD_TYPES) == set(SPEC_FIELDS)


@given(any_record)
def test_every_record_round_trips_through_fastavro(record: Record) -> None:
    schema = parsed_schema(type(record))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, record.to_avro())
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, schema, schema)
    assert isinstance(decoded, dict)
    assert type(record).from_avro(decoded) == record


def test_uuid_is_encoded_as_its_sixteen_bytes() -> None:
    command_id = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
    buffer = io.BytesIO()
    record = MoneyTransferConfirmed(id=command_id)
    fastavro.schemaless_writer(buffer, parsed_schema(MoneyTransferConfirmed), record.to_avro())
    assert buffer.getvalue() == command_id.bytes


def test_confirm_money_transfer_maps_from_to_avro_from() -> None:
    record = ConfirmMoneyTransfer(
        id=uuid.uuid4(),
        token="cash",
        amount=1000,
        from_="cash",
        to="NL66OPEN0000000000",
        description="deposit",
    )
    assert record.to_avro()["from"] == "cash"
    assert "from_" not in record.to_avro()


def test_a_balance_changed_written_before_command_id_existed_reads_as_none() -> None:
    first_version = json.loads(schema_text(BalanceChanged))
    first_version["fields"] = [f for f in first_version["fields"] if f["name"] != "command_id"]
    old = {"iban": "NL66OPEN0000000000", "new_balance": 5, "changed_by": 5}
    old |= {"from_to": "cash", "description": "deposit"}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(first_version), old)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(
        buffer, fastavro.parse_schema(first_version), parsed_schema(BalanceChanged)
    )
    assert isinstance(decoded, dict)
    expected = BalanceChanged("NL66OPEN0000000000", 5, 5, "cash", "deposit", command_id=None)
    assert BalanceChanged.from_avro(decoded) == expected


def test_a_balance_changed_written_before_decided_existed_reads_as_none() -> None:
    second_version = json.loads(schema_text(BalanceChanged))
    second_version["fields"] = [f for f in second_version["fields"] if f["name"] != "decided"]
    old = {"iban": "NL66OPEN0000000000", "new_balance": 5, "changed_by": 5}
    old |= {"from_to": "cash", "description": "deposit", "command_id": None}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(second_version), old)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(
        buffer, fastavro.parse_schema(second_version), parsed_schema(BalanceChanged)
    )
    assert isinstance(decoded, dict)
    assert BalanceChanged.from_avro(decoded).decided is None


def test_command_id_travels_as_its_lower_case_string() -> None:
    command_id = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
    change = BalanceChanged("NL66OPEN0000000000", 5, 5, "cash", "deposit", command_id)
    assert change.to_avro()["command_id"] == "12345678-9abc-def0-1234-56789abcdef0"


def test_record_type_by_full_name() -> None:
    assert record_type_by_full_name("nl.openweb.data.BalanceChanged") is BalanceChanged
    assert record_type_by_full_name("BalanceChanged") is None
    assert record_type_by_full_name("nl.openweb.data.Unknown") is None


def test_records_are_immutable() -> None:
    beat = Heartbeat(beat=1)
    with pytest.raises(AttributeError):
        beat.beat = 2  # type: ignore[misc]
