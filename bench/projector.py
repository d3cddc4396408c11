"""`python -m bench projector`: rows per second of the backend's projector, decode and write.

What it measures: ``Projector.handle`` (Avro decode, ``TransactionView``s, one database
transaction through ``ProjectionWriter``) on batches shaped like the bank's traffic (per
money transfer one answer and two BalanceChanged), into a throwaway database of the running
stack's PostgreSQL (over TCP as the ``backend`` role would, but as the superuser through
its socket: it creates and drops the database). Prints rows/s and the median batch time
for the whole handle, the decode alone and the write alone, so a change of the writer shows
where it helped, and the transactions stored. PostgreSQL of the stack must be up; run it
under the shared lock, it is a benchmark.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Message, TopicPartition
from sqlalchemy import create_engine, text

from backend.kafka.decoding import decode_batch
from backend.kafka.projector import Projector
from backend.storage.migrate import upgrade_database
from backend.storage.writer import ProjectionWriter
from bench.stack_access import principal_settings
from bench.throwaway_database import throwaway_database
from stack.layout import StackLayout
from stack.postgres import admin_database_url
from topology.clients import registry_config
from topology.iban import iban_from_digits
from topology.records import BalanceChanged, MoneyTransferConfirmed
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["HELP", "configure", "run"]

HELP = "rows/s of the backend's projector: decode and write batches of the bank's traffic"


class _Consumer:
    """``KafkaConsumer`` for ``Projector.handle`` alone: it owns no partition, so the
    offsets of a batch are dropped; the thread's calls are never made here."""

    def assignment(self) -> list[TopicPartition]:
        return []

    def store_offsets(self, *, offsets: list[TopicPartition]) -> None:
        raise AssertionError("no partition is owned, no offset is stored")

    def poll(self, timeout: float) -> Message | None:
        raise NotImplementedError

    def consume(self, num_messages: int, timeout: float) -> list[Message]:
        raise NotImplementedError

    def assign(self, partitions: list[TopicPartition]) -> None:
        raise NotImplementedError

    def subscribe(self, topics: list[str]) -> None:
        raise NotImplementedError

    def list_topics(self, topic: str, timeout: float) -> Any:
        raise NotImplementedError

    def get_watermark_offsets(self, partition: TopicPartition, timeout: float) -> tuple[int, int]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _serde() -> RecordSerde:
    # The stack's registry, as the backend uses it: the client caches each schema, so there
    # is no HTTP request per message.
    _, registry = principal_settings()
    return RecordSerde.from_config(registry_config(registry))


def _batches(
    serde: RecordSerde, count: int, size: int, accounts: int, first_offset: int = 0
) -> list[list[Message]]:
    """``count`` batches of ``size`` messages: per transfer, one answer and two changes.

    Offsets start at ``first_offset`` in every partition (distinct ids per call).
    """
    ibans = [iban_from_digits(f"0{n:09d}") for n in range(accounts)]
    offsets = [first_offset] * BALANCE_CHANGED.partitions
    batches: list[list[Message]] = []
    for b in range(count):
        batch: list[Message] = []
        while len(batch) < size:
            command = uuid.uuid4()
            answer = serde.serialize(MONEY_TRANSFER_FEEDBACK, MoneyTransferConfirmed(command))
            batch.append(Message(topic=MONEY_TRANSFER_FEEDBACK.name, value=answer, offset=b))
            for side in (0, 1):
                iban = ibans[(len(batch) * 7 + side) % accounts]
                partition = hash(iban) % BALANCE_CHANGED.partitions
                change = BalanceChanged(iban, 1_000 + b, 100 if side else -100, "x", "shop")
                batch.append(
                    Message(
                        topic=BALANCE_CHANGED.name,
                        partition=partition,
                        offset=offsets[partition],
                        value=serde.serialize(BALANCE_CHANGED, change),
                    )
                )
                offsets[partition] += 1
        batches.append(batch[:size])
    return batches


def _rate(rows: int, seconds: list[float]) -> str:
    per_batch = statistics.median(seconds)
    return f"{rows / sum(seconds):>9.0f} rows/s   median batch {per_batch * 1000:6.1f} ms"


def _timed(batches: list[list[Message]], step: Callable[[list[Message]], object]) -> list[float]:
    seconds = []
    for batch in batches:
        started = time.perf_counter()
        step(batch)
        seconds.append(time.perf_counter() - started)
    return seconds


def configure(parser: argparse.ArgumentParser) -> None:
    """The projector benchmark's options."""
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--size", type=int, default=500, help="messages per batch")
    parser.add_argument("--accounts", type=int, default=5_000)


def run(arguments: argparse.Namespace) -> int:
    """Create a throwaway database, run the three measurements, drop it."""
    admin_url = admin_database_url(StackLayout.from_environ())
    with throwaway_database(admin_url, "backend_projector_bench") as url:
        _measure(arguments, url)
    return 0


def _measure(arguments: argparse.Namespace, url: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        upgrade_database(url)
        serde = _serde()
        topics = {t.name: t for t in (BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK)}
        writer = ProjectionWriter(engine)
        projector = Projector(
            {}, serde, writer, batch_size=arguments.size, batch_wait_ms=20, on_crash=print
        )
        consumer = _Consumer()
        rows = arguments.batches * arguments.size

        warm = _batches(serde, 5, arguments.size, arguments.accounts, first_offset=10**8)
        _timed(warm, lambda batch: projector.handle(consumer, batch))
        handled = _timed(
            _batches(serde, arguments.batches, arguments.size, arguments.accounts),
            lambda batch: projector.handle(consumer, batch),
        )
        decode_only = _timed(
            _batches(serde, arguments.batches, arguments.size, arguments.accounts),
            lambda batch: decode_batch(batch, serde, topics),
        )
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM transactions")).scalar_one()
        print(f"batches of {arguments.size} messages (1 answer : 2 BalanceChanged), {rows} rows")
        print(f"handle (decode + write)  {_rate(rows, handled)}")
        print(f"decode only              {_rate(rows, decode_only)}")
        write_s = [h - d for h, d in zip(handled, decode_only, strict=True)]
        print(f"write (handle - decode)  {_rate(rows, write_s)}")
        print(f"transactions stored: {stored}")
    finally:
        engine.dispose()
