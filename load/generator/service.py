"""The command generator's consume-produce loop (synchronous: it is its own process).

One consumer (group ``command-generator``) reads ``heartbeat`` and
``account_creation_feedback``; every beat becomes one command on ``commands`` and every new
AUTO account its salary. Losing or repeating a beat after a crash only changes the
background load a little, so offsets are stored as soon as a message is read.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, Message, Producer
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge

from load.generator.commands import Command, GeneratorState
from topology.records import AccountCreationConfirmed, Heartbeat
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import ACCOUNT_CREATION_FEEDBACK, COMMANDS, HEARTBEAT, Topic
from topology.tracing import kafka_headers

__all__ = ["CLIENT_ID", "GROUP_ID", "GeneratorLoop", "GeneratorTopics"]

log = logging.getLogger(__name__)

CLIENT_ID = "command-generator"
GROUP_ID = "command-generator"
_BATCH = 500
_POLL_S = 0.2
_TRACER = trace.get_tracer("open-bank.command-generator")

BEATS = Counter("generator_beats", "Heartbeats consumed")
COMMANDS_SENT = Counter("generator_commands", "Commands produced", ["kind"])
DELIVERY_FAILURES = Counter("generator_delivery_failures", "Commands Kafka did not take")
UNDECODABLE = Counter("generator_undecodable", "Messages that were not records of the topic")
ACCOUNTS = Gauge("generator_accounts", "AUTO accounts known to the generator")


@dataclass(frozen=True, slots=True)
class GeneratorTopics:
    """Where the generator reads and writes; tests give topics of their own."""

    heartbeat: Topic = HEARTBEAT
    feedback: Topic = ACCOUNT_CREATION_FEEDBACK
    commands: Topic = COMMANDS


class GeneratorLoop:
    """Consumes beats and feedback and produces commands until ``stop`` is set."""

    def __init__(
        self,
        consumer: Consumer,
        producer: Producer,
        serde: RecordSerde,
        state: GeneratorState,
        topics: GeneratorTopics = GeneratorTopics(),
    ) -> None:
        self._topics = topics
        self._consumer = consumer
        self._producer = producer
        self._serde = serde
        self._state = state

    @staticmethod
    def _on_delivery(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            DELIVERY_FAILURES.inc()
            log.warning("command not delivered: %s", error)

    def _send(self, command: Command) -> None:
        value = self._serde.serialize(self._topics.commands, command)
        # A root span: a share of the background load is traced (docs/tracing.md).
        span = _TRACER.start_span(f"generate {type(command).__name__}", kind=SpanKind.PRODUCER)
        headers = kafka_headers(span)
        span.end()
        while True:
            try:
                self._producer.produce(
                    self._topics.commands.name,
                    value=value,
                    key=str(command.id),
                    headers=headers,
                    on_delivery=self._on_delivery,
                )
                break
            except BufferError:
                # Local queue full: wait for deliveries rather than drop a command.
                self._producer.poll(0.05)
        COMMANDS_SENT.labels(self._state.kind_of(command)).inc()

    def _handle(self, message: Message) -> None:
        topic = message.topic()
        data = message.value()
        if topic is None or data is None:
            return
        topics = self._topics
        source = topics.heartbeat if topic == topics.heartbeat.name else topics.feedback
        try:
            record = self._serde.deserialize(source, data)
        except UndecodableRecord as error:
            UNDECODABLE.inc()
            log.warning(
                "skipped %s[%s]@%s: %s", topic, message.partition(), message.offset(), error
            )
            return
        if isinstance(record, Heartbeat):
            BEATS.inc()
            self._send(self._state.command_for_beat(record.beat))
        elif isinstance(record, AccountCreationConfirmed):
            salary = self._state.on_account_confirmed(record)
            if salary is not None:
                ACCOUNTS.set(len(self._state.accounts))
                self._send(salary)

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop``; Kafka errors other than end-of-partition stop it loudly."""
        self._consumer.subscribe([self._topics.heartbeat.name, self._topics.feedback.name])
        while not stop.is_set():
            for message in self._consumer.consume(num_messages=_BATCH, timeout=_POLL_S):
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"consumer error: {error}")
                self._handle(message)
            self._producer.poll(0)
