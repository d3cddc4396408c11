"""`Bank`'s interface over a `CommandLoop` run in the test's own thread: a fake consumer over
an in-memory log, the in-memory store, a recording publisher and the in-process registry.

The handler contract (`tests.support.handler_contract`) runs on this and on a real handler
process with Kafka and PostgreSQL (`tests.support.handler_bank.Bank`); both must answer the
same.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import OFFSET_INVALID, TopicPartition

from command_handler.kafka.publisher import OutgoingMessage
from command_handler.loop import CommandLoop, LoopOptions
from command_handler.metrics import HandlerMetrics
from command_handler.topics import HandlerTopics
from tests.support.handler_bank import Outputs
from tests.support.local_registry import local_serde
from tests.support.memory_store import MemoryStore
from topology.records import (
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

__all__ = ["InMemoryBank", "LogConsumer", "LogMessage"]


@dataclass(frozen=True)
class LogMessage:
    """A Kafka message as the handler reads it (the accessors of confluent_kafka.Message)."""

    topic_name: str
    partition_id: int
    offset_id: int
    key_bytes: bytes | None
    value_bytes: bytes | None
    header_list: list[tuple[str, bytes]] | None = None
    timestamp_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def topic(self) -> str:
        return self.topic_name

    def partition(self) -> int:
        return self.partition_id

    def offset(self) -> int:
        return self.offset_id

    def key(self) -> bytes | None:
        return self.key_bytes

    def value(self) -> bytes | None:
        return self.value_bytes

    def headers(self) -> list[tuple[str, bytes]] | None:
        return self.header_list

    def timestamp(self) -> tuple[int, int]:
        return (1, self.timestamp_ms)

    def error(self) -> None:
        return None


class LogConsumer:
    """A consumer of one partition of an in-memory log, with a group's committed offset."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.log: list[LogMessage] = []
        self.position = 0
        self.committed_offset = OFFSET_INVALID

    def append(self, key: bytes | None, value: bytes | None) -> None:
        self.log.append(LogMessage(self.topic, 0, len(self.log), key, value))

    def subscribe(self, topics: list[str], **callbacks: Any) -> None:
        assert topics == [self.topic]

    def consume(self, num_messages: int, timeout: float) -> list[LogMessage]:
        batch = self.log[self.position : self.position + num_messages]
        self.position += len(batch)
        return batch

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(self.topic, 0)]

    def seek(self, partition: TopicPartition) -> None:
        self.position = partition.offset

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        return [TopicPartition(self.topic, 0, self.committed_offset) for _ in partitions]

    def consumer_group_metadata(self) -> object:
        return object()


class _RecordingPublisher:
    """Keeps what each transaction published and moves the group's committed offset."""

    def __init__(self, consumer: LogConsumer) -> None:
        self.consumer = consumer
        self.published: list[OutgoingMessage] = []

    def publish(
        self, messages: Sequence[OutgoingMessage], offsets: Sequence[TopicPartition], meta: Any
    ) -> None:
        self.published.extend(messages)
        for offset in offsets:
            self.consumer.committed_offset = offset.offset


class InMemoryBank:
    """Sends commands to an in-process handler and reads back what it published."""

    def __init__(self) -> None:
        self.topics = HandlerTopics.with_prefix("")
        self.serde = local_serde()
        self.store = MemoryStore()
        self.consumer = LogConsumer(self.topics.commands.name)
        self._publisher = _RecordingPublisher(self.consumer)
        self._read = 0
        self.outputs = Outputs()
        self.loop = CommandLoop(
            consumer=self.consumer,
            publisher=self._publisher,
            store=self.store,
            serde=self.serde,
            topics=self.topics,
            metrics=HandlerMetrics(),
            stop=threading.Event(),
            options=LoopOptions(client_id="command-handler-memory", poll_timeout_ms=1),
            rng=random.Random(7),
        )
        self.loop.batches.subscribe(
            keep_gathering=self.loop.pipeline.busy, on_revoke=lambda partitions: None
        )

    def send(self, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer) -> None:
        for command in commands:
            value = self.serde.serialize(self.topics.commands, command)
            self.send_raw(str(command.id).encode(), value)

    def send_raw(self, key: bytes, value: bytes) -> None:
        self.consumer.append(key, value)

    def poll(self, seconds: float) -> None:
        """Let the loop handle what was sent, then read what it published."""
        deadline = time.monotonic() + seconds
        while self.consumer.position < len(self.consumer.log) and time.monotonic() < deadline:
            self.loop.poll_once()
        self.loop.settle()
        for message in self._publisher.published[self._read :]:
            self._output(message)
        self._read = len(self._publisher.published)

    def wait_until(self, done: Callable[[Outputs], bool], timeout_s: float = 10) -> Outputs:
        deadline = time.monotonic() + timeout_s
        while not done(self.outputs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"outputs incomplete after {timeout_s} s")
            self.poll(1)
        return self.outputs

    def balance(self, iban: str) -> int:
        """The stored balance of `iban` (cents)."""
        return self.store.state.accounts[iban].balance_cents

    def close(self) -> None:
        self.loop.pipeline.shutdown()

    def _output(self, message: OutgoingMessage) -> None:
        if message.topic == self.topics.dead_letter.name:
            self.outputs.dead_letters.append(
                LogMessage(message.topic, 0, 0, message.key, message.value, message.headers)
            )
            return
        topic = next(t for t in self.topics.all if t.name == message.topic)
        self.outputs.add(self.serde.deserialize(topic, message.value or b""))
