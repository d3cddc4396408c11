"""The serde loads the registry client only when it must ask the registry: a service that
resolved its subjects' ids at start never pays for its imports."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)

from topology.records import BalanceChanged, ConfirmMoneyTransfer
from topology.schemas import schema_text
from topology.serde import RecordSerde, RegistryUnavailableError, resolve_schema_ids
from topology.topics import BALANCE_CHANGED, COMMANDS

_REPO = Path(__file__).resolve().parents[3]
# Nothing listens there: any attempt to ask the registry fails at once.
_NO_REGISTRY = {"url": "http://127.0.0.1:9"}
_TRANSFER = ConfirmMoneyTransfer(
    id=uuid.uuid4(),
    token="12345678901234567890",
    amount=1_234,
    from_="NL66OPEN0000000000",
    to="NL12OPEN0123456789",
    description="shop payment",
)


def test_importing_the_serde_does_not_load_the_registry_client() -> None:
    probe = "import sys, topology.serde; print('confluent_kafka.schema_registry' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=_REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_known_ids_round_trip_without_asking_the_registry() -> None:
    registry = MockSchemaRegistryClient({"url": "mock://"})
    registry.register_schema(
        COMMANDS.subject(ConfirmMoneyTransfer), Schema(schema_text(ConfirmMoneyTransfer), "AVRO")
    )
    known = resolve_schema_ids(registry, [(COMMANDS, ConfirmMoneyTransfer)])
    assert list(known) == [COMMANDS.subject(ConfirmMoneyTransfer)]

    serde = RecordSerde.from_config(_NO_REGISTRY, known_schema_ids=known)
    data = serde.serialize(COMMANDS, _TRANSFER)
    assert serde.deserialize(COMMANDS, data) == _TRANSFER
    # What the registry-backed serde writes is read the same way, and vice versa.
    assert RecordSerde(registry).deserialize(COMMANDS, data) == _TRANSFER
    assert serde.deserialize(COMMANDS, RecordSerde(registry).serialize(COMMANDS, _TRANSFER)) == (
        _TRANSFER
    )
    serde.close()


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
