"""``python -m bench serde`` prints µs per record of `RecordSerde` beside bare fastavro.

Both sides write and read the same Confluent wire format (magic byte, schema id, Avro body)
with pre-parsed schemas; the fastavro side checks the header and the trailing bytes as the
serde does. Records are the command handler's: the `ConfirmMoneyTransfer` it reads and the
`MoneyTransferConfirmed`/`MoneyTransferFailed` and `BalanceChanged` it writes. The last
line prices one transfer (one read, three writes) against the 100 µs a command may take
at the handler's bound of 10,000 commands/s, the figure a user sees. No stack needed: the
registry is the client library's in-process one.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import struct
import timeit
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import fastavro
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)

from topology.iban import COMPANY_IBAN
from topology.records import (
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)
from topology.schemas import parsed_schema, schema_text
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, COMMANDS, MONEY_TRANSFER_FEEDBACK, Topic

__all__ = ["HELP", "configure", "run"]

HELP = "µs per record of RecordSerde beside bare fastavro (no stack needed)"

_HEADER: Final = struct.Struct(">bI")
_COMMAND_BUDGET_US: Final = 100.0  # 1 s / 10,000 commands, the handler's drain bound

SAMPLES: Final[tuple[tuple[Topic, Record], ...]] = (
    (
        COMMANDS,
        ConfirmMoneyTransfer(
            id=uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100"),
            token="48291057364812093746",  # noqa: S106 - a sample: only its encoding is timed
            amount=250_000,
            from_=COMPANY_IBAN,
            to="NL12OPEN0987654321",
            description="salary",
        ),
    ),
    (
        BALANCE_CHANGED,
        BalanceChanged(
            iban="NL12OPEN0987654321",
            new_balance=1_250_000,
            changed_by=250_000,
            from_to=COMPANY_IBAN,
            description="salary",
        ),
    ),
    (MONEY_TRANSFER_FEEDBACK, MoneyTransferConfirmed(id=uuid.uuid4())),
    (MONEY_TRANSFER_FEEDBACK, MoneyTransferFailed(id=uuid.uuid4(), reason="insufficient funds")),
)


def fastavro_serialize(header: bytes, record: Record) -> bytes:
    """The reference writer: header, then fastavro's body of `record.to_avro()`."""
    buffer = io.BytesIO()
    buffer.write(header)
    fastavro.schemaless_writer(buffer, parsed_schema(type(record)), record.to_avro())
    return buffer.getvalue()


def fastavro_deserialize(data: bytes, record_type: type[Record]) -> Record:
    """The reference reader: header checked, body read by fastavro, no trailing bytes."""
    magic, _schema_id = _HEADER.unpack_from(data)
    if magic != 0:
        raise ValueError(f"magic byte {magic}")
    body = io.BytesIO(data)
    body.seek(_HEADER.size)
    value = fastavro.schemaless_reader(body, parsed_schema(record_type), None)
    if not isinstance(value, dict) or body.tell() != len(data):
        raise ValueError("not exactly one record")
    return record_type.from_avro(value)


def _serde() -> RecordSerde:
    registry = MockSchemaRegistryClient({"url": "mock://"})
    for topic, record in SAMPLES:
        subject = topic.subject(type(record))
        registry.register_schema(subject, Schema(schema_text(type(record)), "AVRO"))
    return RecordSerde(registry)


@dataclass(frozen=True, slots=True)
class Timing:
    """µs per call: the best and the median of the repetitions."""

    best_us: float
    median_us: float


def _time(call: Callable[[], Any], number: int, repeat: int) -> Timing:
    runs = timeit.Timer(call).repeat(repeat=repeat, number=number)
    per_call = [run / number * 1e6 for run in runs]
    return Timing(min(per_call), statistics.median(per_call))


def _measure(
    serde: RecordSerde, topic: Topic, record: Record, number: int, repeat: int
) -> list[tuple[str, tuple[Timing, Timing]]]:
    """(operation, (RecordSerde's timing, fastavro's)) for serialize and deserialize."""
    record_type = type(record)
    data = serde.serialize(topic, record)
    header = data[: _HEADER.size]
    # Both sides write the same bytes and read the same record, or the race is unfair.
    if fastavro_serialize(header, record) != data:
        raise AssertionError(f"RecordSerde and fastavro write {record_type.AVRO_NAME} apart")
    if not serde.deserialize(topic, data) == fastavro_deserialize(data, record_type) == record:
        raise AssertionError(f"RecordSerde and fastavro read {record_type.AVRO_NAME} apart")
    return [
        (
            "serialize",
            (
                _time(lambda: serde.serialize(topic, record), number, repeat),
                _time(lambda: fastavro_serialize(header, record), number, repeat),
            ),
        ),
        (
            "deserialize",
            (
                _time(lambda: serde.deserialize(topic, data), number, repeat),
                _time(lambda: fastavro_deserialize(data, record_type), number, repeat),
            ),
        ),
    ]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


def _cell(timing: Timing) -> str:
    return f"{timing.best_us:6.2f} ({timing.median_us:6.2f})"


def configure(parser: argparse.ArgumentParser) -> None:
    """The serde benchmark's options."""
    parser.add_argument("--number", type=int, default=20_000, help="calls per repetition")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions")


def run(args: argparse.Namespace) -> int:
    """Time both sides on each record and print the table and the transfer's line."""
    serde = _serde()
    print(f"before: {_load()}")
    print(f"µs per record, best of {args.repeat} x {args.number:,} calls (median in brackets)")
    print(f"{'record':24} {'op':12} {'RecordSerde':>16} {'fastavro':>16} {'fastavro/serde':>15}")
    serde_us: dict[tuple[str, str], float] = {}
    fastavro_us: dict[tuple[str, str], float] = {}
    for topic, record in SAMPLES:
        name = type(record).AVRO_NAME
        for op, (ours, reference) in _measure(serde, topic, record, args.number, args.repeat):
            serde_us[name, op] = ours.best_us
            fastavro_us[name, op] = reference.best_us
            ratio = reference.best_us / ours.best_us
            print(f"{name:24} {op:12} {_cell(ours):>16} {_cell(reference):>16} {ratio:14.2f}x")
    # A transfer between two accounts: one command read; one confirmation and two
    # balance changes written.
    uses = [
        ("ConfirmMoneyTransfer", "deserialize"),
        ("MoneyTransferConfirmed", "serialize"),
        ("BalanceChanged", "serialize"),
        ("BalanceChanged", "serialize"),
    ]
    ours_total = sum(serde_us[use] for use in uses)
    reference_total = sum(fastavro_us[use] for use in uses)
    print(
        f"one transfer (1 read, 3 writes): RecordSerde {ours_total:.1f} µs, fastavro "
        f"{reference_total:.1f} µs; difference {reference_total - ours_total:+.1f} µs = "
        f"{(reference_total - ours_total) / _COMMAND_BUDGET_US:+.1%} of the "
        f"{_COMMAND_BUDGET_US:.0f} µs a command may take at 10,000 commands/s"
    )
    print(f"after: {_load()}")
    return 0
