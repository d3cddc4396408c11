"""A client of a private command handler: sends commands, reads back what it publishes.

The integration and fault tests run the handler as a real process (`bench.handler_process`)
on private topics; `Bank` produces commands to them and reads, read_committed, everything
the handler publishes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from command_handler.topics import HandlerTopics
from topology.clients import consumer_config, producer_config
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)
from topology.serde import RecordSerde
from topology.settings import KafkaSettings

__all__ = ["Bank", "Feedback", "Outputs"]

Feedback: TypeAlias = (
    AccountCreationConfirmed | AccountCreationFailed | MoneyTransferConfirmed | MoneyTransferFailed
)


@dataclass
class Outputs:
    """Everything published on the private output topics (read_committed), in order.

    `feedback_times_ms` holds, per command id, when its first answer was read (ms since
    the epoch), for latency figures.
    """

    feedback: dict[uuid.UUID, list[Feedback]] = field(default_factory=dict)
    feedback_times_ms: dict[uuid.UUID, float] = field(default_factory=dict)
    balance_changed: list[BalanceChanged] = field(default_factory=list)
    dead_letters: list[Any] = field(default_factory=list)

    def add(self, record: Any) -> None:
        """File a record read from an output topic: feedback by command id, or a change."""
        if isinstance(record, BalanceChanged):
            self.balance_changed.append(record)
        elif isinstance(
            record,
            AccountCreationConfirmed
            | AccountCreationFailed
            | MoneyTransferConfirmed
            | MoneyTransferFailed,
        ):
            self.feedback.setdefault(record.id, []).append(record)
            self.feedback_times_ms.setdefault(record.id, time.time() * 1000)


class Bank:
    """A client of a private handler: sends commands, reads back what it publishes.

    It owns `registry` and closes it in `close()`.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        registry: SchemaRegistryClient,
        topics: HandlerTopics,
        client_id: str = "tests-command-handler",
    ) -> None:
        self.topics = topics
        self._registry = registry
        self.serde = RecordSerde(registry)
        self.producer = Producer(
            producer_config(kafka, client_id=client_id, overrides={"linger.ms": 5})
        )
        self.consumer = Consumer(
            consumer_config(
                kafka,
                client_id=client_id,
                group_id=f"{client_id}-{uuid.uuid4().hex}",
                overrides={"isolation.level": "read_committed", "enable.auto.commit": False},
            )
        )
        self.consumer.subscribe([t.name for t in topics.all[1:]])
        self.outputs = Outputs()
        self._by_name = {t.name: t for t in topics.all}

    def send(self, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer) -> None:
        """Produce commands, keyed by their id, and wait until the broker has them."""
        for command in commands:
            value = self.serde.serialize(self.topics.commands, command)
            self.send_raw(str(command.id).encode(), value)
        self.producer.flush(30)

    def send_raw(self, key: bytes, value: bytes) -> None:
        """Produce any bytes to the private commands topic (call `producer.flush` after)."""
        while True:
            try:
                self.producer.produce(self.topics.commands.name, key=key, value=value)
                return
            except BufferError:
                self.producer.poll(0.1)

    def poll(self, seconds: float) -> None:
        """Read outputs for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.consumer.consume(1000, 0.2):
                if message.error() is not None:
                    continue
                topic = message.topic() or ""
                if topic == self.topics.dead_letter.name:
                    self.outputs.dead_letters.append(message)
                    continue
                record = self.serde.deserialize(self._by_name[topic], message.value() or b"")
                self.outputs.add(record)

    def wait_until(self, done: Callable[[Outputs], bool], timeout_s: float = 60) -> Outputs:
        """Read outputs until `done(outputs)` holds; raise TimeoutError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not done(self.outputs):
            if time.monotonic() > deadline:
                answered = len(self.outputs.feedback)
                raise TimeoutError(f"outputs incomplete after {timeout_s} s ({answered} answered)")
            self.poll(0.3)
        return self.outputs

    def close(self) -> None:
        """Leave the consumer group, flush the producer, close the registry client."""
        self.consumer.close()
        self.producer.flush(5)
        self._registry.close()
