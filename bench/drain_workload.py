"""The handler drain's workload: accounts, the generator's command mix, and reading back.

Commands go to the private commands topic; what comes back is read from Kafka as
timestamps only (no decoding): a command's produce time and its first answer's, by key.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from confluent_kafka import Consumer, Producer

from topology.clients import consumer_config
from topology.iban import COMPANY_IBAN, iban_from_digits
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer
from topology.serde import RecordSerde
from topology.settings import KafkaSettings
from topology.topics import Topic

__all__ = [
    "BenchAccount",
    "Command",
    "FeedbackTimes",
    "mixed_command",
    "percentile",
    "prefill_accounts",
    "produce_commands",
    "read_timestamps",
]

_START_BALANCE_CENTS = 1_000_000
Command = ConfirmAccountCreation | ConfirmMoneyTransfer


@dataclass(frozen=True)
class BenchAccount:
    """An account prefilled for the drain."""

    iban: str
    token: str


def prefill_accounts(database_url: str, count: int, rng: random.Random) -> list[BenchAccount]:
    """Insert `count` accounts holding €10,000 each straight into the handler's `balance`
    table (the handler must have migrated the database first)."""
    accounts = [
        BenchAccount(
            iban_from_digits(f"0{n:09d}"), "".join(rng.choice("0123456789") for _ in range(20))
        )
        for n in rng.sample(range(1, 10**9), count)
    ]
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO balance (iban, token, amount, a_type) "
                "VALUES (:iban, :token, :amount, 'AUTO')"
            ),
            [{"iban": a.iban, "token": a.token, "amount": _START_BALANCE_CENTS} for a in accounts],
        )
    engine.dispose()
    return accounts


def mixed_command(accounts: list[BenchAccount], company_token: str, rng: random.Random) -> Command:
    """One command of the generator's mix: 1/200 account openings, otherwise transfers
    (salary 1/70, deposit 3/70, withdrawal 10/70, shop payment 40/70, transfer 16/70).
    Salaries carry `company_token`, the company key the handler's database was migrated with."""
    if rng.random() < 1 / 200:
        return ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    account = rng.choice(accounts)
    pick = rng.randrange(70)
    amount = rng.randint(100, 20_000)
    if pick < 1:
        from_, token, to = COMPANY_IBAN, company_token, account.iban
    elif pick < 4:
        from_, token, to = "cash", "cash", account.iban
    elif pick < 14:
        from_, token, to = account.iban, account.token, "cash"
    elif pick < 54:
        from_, token, to = account.iban, account.token, "Albert Heijn BV"
    else:
        from_, token, to = account.iban, account.token, rng.choice(accounts).iban
    return ConfirmMoneyTransfer(uuid.uuid4(), token, amount, from_, to, "bench")


def produce_commands(
    producer: Producer, serde: RecordSerde, topic: Topic, commands: Sequence[Command]
) -> None:
    """Produce `commands` keyed by their id as fast as the producer takes them; flush."""
    for command in commands:
        value = serde.serialize(topic, command)
        while True:
            try:
                producer.produce(topic.name, key=str(command.id).encode(), value=value)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(60)


@dataclass
class FeedbackTimes:
    """Kafka timestamps (ms) of each command and of its first feedback, by key."""

    produced_ms: dict[bytes, int] = field(default_factory=dict)
    answered_ms: dict[bytes, int] = field(default_factory=dict)


def read_timestamps(
    kafka: KafkaSettings,
    client_id: str,
    commands: Topic,
    feedback: Sequence[Topic],
    expected: int,
) -> FeedbackTimes:
    """Read the commands and feedback topics from the start (timestamps only, no decoding)
    until `expected` commands and answers are seen, or two minutes passed."""
    consumer = Consumer(
        consumer_config(
            kafka,
            client_id=client_id,
            group_id=f"{client_id}-{uuid.uuid4().hex}",
            overrides={"isolation.level": "read_committed", "enable.auto.commit": False},
        )
    )
    consumer.subscribe([commands.name, *(topic.name for topic in feedback)])
    times = FeedbackTimes()
    deadline = time.monotonic() + 120
    while (
        len(times.answered_ms) < expected or len(times.produced_ms) < expected
    ) and time.monotonic() < deadline:
        for message in consumer.consume(5000, 0.5):
            if message.error() is not None:
                continue
            target = times.produced_ms if message.topic() == commands.name else times.answered_ms
            target.setdefault(message.key() or b"", message.timestamp()[1])
    consumer.close()
    return times


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (`fraction` 0.99 for p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
