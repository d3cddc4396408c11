"""One batch's Kafka transaction at a time, in a thread of its own.

Publishing batch N (serialising its records, then the transaction with its offsets) overlaps
with deciding batch N+1 in storage; N+1 is submitted only after N is settled, so offsets
never commit past an unpublished batch. The transactional producer is used from this one
thread only. A publish still not done after `stuck_after_s` is stuck inside librdkafka: it
is reported, never waited for.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from confluent_kafka import KafkaException, TopicPartition

from command_handler.handling import OutgoingRecord
from command_handler.kafka.publisher import OutgoingMessage, PublishFailedError
from command_handler.topics import HandlerTopics
from command_handler.tracing import BatchTrace
from topology.serde import RecordSerde, RegistryUnavailableError

__all__ = ["PublishPipeline", "PublishStuckError", "Publisher", "Settled"]


class PublishStuckError(Exception):
    """A Kafka transaction did not finish within its bound: its thread is blocked inside
    librdkafka and this process must be replaced (see `command_handler.restart`)."""


class Publisher(Protocol):
    """What the pipeline needs of `TransactionalPublisher` (tests pass their own)."""

    def publish(
        self, messages: Sequence[OutgoingMessage], offsets: Sequence[TopicPartition], meta: Any
    ) -> None:
        """Produce `messages` and commit `offsets` in one transaction, or raise."""


class _Timing(NamedTuple):
    committed_at: float  # perf_counter, s
    committed_wall_ms: float
    transaction_s: float  # the Kafka transaction alone, without serialising


@dataclass(frozen=True, slots=True)
class Settled:
    """How a submitted batch ended. `error` None: committed, with its timing."""

    batch: Any
    messages: Sequence[Any]
    submitted: float
    error: Exception | None = None
    committed_at: float = 0.0
    committed_wall_ms: float = 0.0
    transaction_s: float = 0.0


@dataclass(frozen=True, slots=True)
class _InFlight:
    future: Future[_Timing]
    batch: Any
    messages: Sequence[Any]
    submitted: float


class PublishPipeline:
    """Serialises and publishes one batch at a time off the loop thread."""

    def __init__(
        self,
        publisher: Publisher,
        serde: RecordSerde,
        topics: HandlerTopics,
        *,
        stuck_after_s: float,
    ) -> None:
        self._publisher = publisher
        self._serde = serde
        self._topics = topics
        self.stuck_after_s = stuck_after_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        self._in_flight: _InFlight | None = None
        self._stuck = False

    def busy(self) -> bool:
        """A batch is being published and may still commit in time."""
        in_flight = self._in_flight
        return in_flight is not None and not in_flight.future.done() and not self._overdue()

    def due(self) -> bool:
        """A batch is in flight and done, or overdue: settle it."""
        return self._in_flight is not None and (self._in_flight.future.done() or self._overdue())

    def submit(
        self,
        batch: Any,
        messages: Sequence[Any],
        records: Sequence[OutgoingRecord],
        dead_letters: Sequence[OutgoingMessage],
        offsets: list[TopicPartition],
        group_metadata: Any,
        trace: BatchTrace | None = None,
    ) -> None:
        """Publish `records` (serialised in the thread), `dead_letters` and `offsets` of
        `messages`; `batch` comes back in `Settled`. The previous batch must be settled.
        `trace` gives the records their trace headers and the transaction its span."""
        if self._in_flight is not None:
            raise RuntimeError("a batch is still in flight")
        future = self._executor.submit(
            self._serialize_and_publish, records, dead_letters, offsets, group_metadata, trace
        )
        self._in_flight = _InFlight(future, batch, messages, time.perf_counter())

    def settle(self) -> Settled | None:
        """Wait for the batch in flight (at most until it is overdue); None if there is
        none. A failure is in `Settled.error`, PublishStuckError when overdue."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is None:
            return None
        remaining = in_flight.submitted + self.stuck_after_s - time.perf_counter()
        try:
            timing = in_flight.future.result(timeout=max(0.0, remaining))
        except FutureTimeoutError:
            self._stuck = True
            error: Exception = PublishStuckError("kafka transaction stuck")
        except (PublishFailedError, KafkaException, RegistryUnavailableError) as exc:
            error = exc
        else:
            return Settled(in_flight.batch, in_flight.messages, in_flight.submitted, None, *timing)
        return Settled(in_flight.batch, in_flight.messages, in_flight.submitted, error)

    def shutdown(self) -> None:
        """Stop the thread; never wait for one stuck inside librdkafka (it does not return)."""
        self._executor.shutdown(wait=not self._stuck)

    def _overdue(self) -> bool:
        in_flight = self._in_flight
        return (
            in_flight is not None and time.perf_counter() - in_flight.submitted > self.stuck_after_s
        )

    def _serialize_and_publish(
        self,
        records: Sequence[OutgoingRecord],
        dead_letters: Sequence[OutgoingMessage],
        offsets: list[TopicPartition],
        group_metadata: Any,
        trace: BatchTrace | None,
    ) -> _Timing:
        # Serialising here overlaps with the next batch's storage round trips, during which
        # the loop thread does not hold the GIL. A registry failure raises before the
        # transaction begins.
        if trace is None or not trace.traced_commands:
            outgoing = [self._serialize(r.topic, r.key, r.record) for r in records]
        else:
            outgoing = [
                self._serialize(r.topic, r.key, r.record)._replace(headers=headers)
                for r, headers in zip(records, trace.headers(records), strict=True)
            ]
        outgoing.extend(dead_letters)
        started = time.perf_counter()
        if trace is None:
            self._publisher.publish(outgoing, offsets, group_metadata)
        else:
            with trace.child("kafka transaction"):
                self._publisher.publish(outgoing, offsets, group_metadata)
        committed_at = time.perf_counter()
        return _Timing(committed_at, time.time() * 1000, committed_at - started)

    def _serialize(self, topic: Any, key: str | uuid.UUID, record: Any) -> OutgoingMessage:
        output = self._topics.output_for(topic)
        return OutgoingMessage(
            output.name, str(key).encode(), self._serde.serialize(output, record)
        )
