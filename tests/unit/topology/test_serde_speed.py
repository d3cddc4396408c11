"""The serde stays off the network and fast once warm: it is on the hot path of a handler
doing 10,000 messages per second."""

from __future__ import annotations

import time
import uuid
from typing import Any

from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)

from topology.records import ConfirmMoneyTransfer
from topology.schemas import schema_text
from topology.serde import RecordSerde
from topology.topics import COMMANDS

# Generous (`python -m bench serde` prints the real figure): the bound only catches a
# regression such as a registry call or a schema parse per message on a busy machine.
_ROUND_TRIP_BOUND_US = 500.0


class CountingRegistry(MockSchemaRegistryClient):
    """The library's in-memory registry, counting the calls the serde makes."""

    def __init__(self) -> None:
        super().__init__({"url": "mock://"})
        self.calls = 0

    def lookup_schema(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().lookup_schema(*args, **kwargs)

    def get_schema(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().get_schema(*args, **kwargs)


def test_warm_serde_never_asks_the_registry_and_round_trips_fast() -> None:
    registry = CountingRegistry()
    registry.register_schema(
        COMMANDS.subject(ConfirmMoneyTransfer), Schema(schema_text(ConfirmMoneyTransfer), "AVRO")
    )
    serde = RecordSerde(registry)
    record = ConfirmMoneyTransfer(
        id=uuid.uuid4(),
        token="12345678901234567890",
        amount=1_234,
        from_="NL66OPEN0000000000",
        to="NL12OPEN0123456789",
        description="shop payment",
    )
    assert serde.deserialize(COMMANDS, serde.serialize(COMMANDS, record)) == record
    # One id lookup; the id read back is then known to be the local schema, not fetched.
    assert registry.calls == 1

    rounds = 2_000
    started = time.perf_counter()
    for _ in range(rounds):
        serde.deserialize(COMMANDS, serde.serialize(COMMANDS, record))
    per_round_trip_us = (time.perf_counter() - started) / rounds * 1e6

    assert registry.calls == 1
    assert per_round_trip_us < _ROUND_TRIP_BOUND_US
