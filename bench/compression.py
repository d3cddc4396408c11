"""`python -m bench compression`: bytes on disk of the same history under each compression.

Needs the stack up. For each codec (none, lz4, zstd) it makes private copies of the four
history topics, writes the same records to them with the bank's producer settings and only
`compression.type` changed, and reads the size of their segment files in Kafka's log
folders (`stack.history_size`). The records are those of the generator's mix: per transfer
its command, its answer and its one or two BalanceChanged events (with `command_id`), in
wire format under the real schemas. Two ways to write: `--rate` paced like the command
generator (small batches: linger.ms=1 sends what arrived within a millisecond), or as fast
as the producer takes them (`--rate 0`, as the command handler does when it drains a
backlog: big batches). Prints one line per codec: records, seconds, CPU seconds of the
producing process, bytes in the segments, bytes per record and the fraction of `none`.
Removes everything it made.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Iterator, Sequence

from confluent_kafka import Producer

from bench.drain_workload import BenchAccount, mixed_command
from bench.private_topics import prefixed, private_topics
from bench.stack_access import principal_settings, registry_client
from stack.history_size import format_bytes, history_size, kafka_log_dirs
from stack.layout import StackLayout
from topology.clients import producer_config
from topology.iban import COMPANY_IBAN
from topology.records import (
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    Record,
)
from topology.serde import RecordSerde
from topology.topics import (
    BALANCE_CHANGED,
    COMMANDS,
    HISTORY_TOPICS,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

__all__ = ["HELP", "configure", "run"]

HELP = "bytes on disk of the same history records under each compression.type"
_CODECS = ("none", "lz4", "zstd")
_Message = tuple[Topic, str, bytes]  # topic, key, value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transfers", type=int, default=20_000)
    parser.add_argument(
        "--rate", type=float, default=2_000, help="messages per second; 0: as fast as possible"
    )
    parser.add_argument("--accounts", type=int, default=1_000)


def _history(transfers: int, accounts: int, seed: int = 7) -> Iterator[tuple[Topic, str, Record]]:
    """The records of `transfers` transfers of the generator's mix, in the order the bank
    writes them: command, answer, balance changes."""
    rng = random.Random(seed)
    pool = [BenchAccount(f"NL{10 + i % 89:02d}OPEN{i:010d}", f"{i:020d}") for i in range(accounts)]
    balances = {a.iban: 1_000_000 for a in pool}
    written = 0
    while written < transfers:
        command = mixed_command(pool, "company", rng)
        if not isinstance(command, ConfirmMoneyTransfer):
            continue
        written += 1
        key = str(command.id)
        yield COMMANDS, key, command
        yield MONEY_TRANSFER_FEEDBACK, key, MoneyTransferConfirmed(id=command.id)
        for iban, by, other in (
            (command.from_, -command.amount, command.to),
            (command.to, command.amount, command.from_),
        ):
            if iban in balances or iban == COMPANY_IBAN:
                balances[iban] = balances.get(iban, 0) + by
                change = BalanceChanged(
                    iban, balances[iban], by, other, command.description, command.id
                )
                yield BALANCE_CHANGED, iban, change


def _write(producer: Producer, messages: Sequence[_Message], rate: float) -> tuple[float, float]:
    """Produce `messages` (paced at `rate` per second unless 0) and flush; the seconds it
    took and the CPU seconds this process spent (librdkafka's threads, which compress,
    included)."""
    started, cpu_started = time.monotonic(), time.process_time()
    for n, (topic, key, value) in enumerate(messages):
        if rate > 0:
            ahead = started + n / rate - time.monotonic()
            if ahead > 0.001:
                time.sleep(ahead)
        while True:
            try:
                producer.produce(topic.name, value, key.encode())
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("messages left unsent after 60 s")
    return time.monotonic() - started, time.process_time() - cpu_started


def run(arguments: argparse.Namespace) -> int:
    layout = StackLayout.from_environ()
    kafka, registry = principal_settings(layout)
    client = registry_client(registry.url)
    run_id = uuid.uuid4().hex[:8]
    sizes: dict[str, int] = {}
    for codec in _CODECS:
        topics = prefixed(HISTORY_TOPICS, f"bench_compression_{run_id}_{codec}_")
        private = {real.name: mine for real, mine in zip(HISTORY_TOPICS, topics, strict=True)}
        with private_topics(kafka, registry, topics, client_id="tests"):
            serde = RecordSerde(client)
            messages: list[_Message] = []
            for topic, key, record in _history(arguments.transfers, arguments.accounts):
                mine = private[topic.name]
                messages.append((mine, key, serde.serialize(mine, record)))
            config = producer_config(
                kafka, client_id="tests", overrides={"compression.type": codec}
            )
            took, cpu = _write(Producer(config), messages, arguments.rate)
            size = history_size(kafka_log_dirs(layout), [t.name for t in topics])
            sizes[codec] = size.record_bytes
            print(
                f"{codec:<5} {len(messages):>8} records in {took:5.1f} s (CPU {cpu:4.1f} s): "
                f"{format_bytes(size.record_bytes):>10} in segments, "
                f"{size.record_bytes / len(messages):6.1f} B/record, "
                f"{sizes[codec] / sizes['none']:.2f} of none",
                flush=True,
            )
    return 0
