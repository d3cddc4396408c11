"""Batches of commands read from Kafka: what the loop handles next, and nothing it must not.

A batch starts with the first message as soon as it comes, then takes what else arrives while
the previous batch's Kafka transaction commits, or within the adaptive linger (`linger`).
consume(n, t) blocks until n messages or t: asking for a whole batch at once made every
command at low load wait the full poll time-out. Errors on the way are handled here: a
partition without a position is resumed (`no_position`), a broker or
transport error is logged once (librdkafka reconnects by itself), and the end of a partition
is not an error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from command_handler.kafka.no_position import resume_partition
from command_handler.kafka.positions import Partition, PositionKeeper
from command_handler.linger import AdaptiveLinger
from command_handler.logs import StateLog
from topology.kafka_errors import is_fatal

__all__ = ["CommandBatches", "ConsumerFatalError"]

_LOGGER = logging.getLogger(__name__)
# How long one consume() waits while gathering behind a committing batch (s).
_GATHER_SLICE_S = 0.002
# How long the batch of answers in doubt may wait for its next message before it goes as it
# is (s): longer than a Kafka restart, so that only the unforeseen ends it early.
_IN_DOUBT_STALL_S = 300.0


class ConsumerFatalError(Exception):
    """librdkafka gave up on the consumer for good (e.g. another process joined the group
    under this instance's name): only a new process can consume again."""


class CommandBatches:
    """Reads `topic` for the loop. `keep_gathering()` says whether the previous batch is still
    being published (then the next one may grow); `on_revoke(partitions)` is called inside
    consume() before revoked partitions are forgotten (settle what is in flight)."""

    def __init__(
        self,
        consumer: Any,
        positions: PositionKeeper,
        *,
        topic: str,
        batch_size: int,
        poll_timeout_s: float,
        linger: AdaptiveLinger,
        stop: threading.Event,
        kafka: StateLog,
    ) -> None:
        self._consumer = consumer
        self.positions = positions
        self._topic = topic
        self._batch_size = batch_size
        self._poll_timeout_s = poll_timeout_s
        self.linger = linger
        self._stop = stop
        self._kafka = kafka

    def subscribe(
        self,
        keep_gathering: Callable[[], bool],
        on_revoke: Callable[[Sequence[TopicPartition]], None],
    ) -> None:
        """Join the group; partitions come and go inside later consume() calls."""
        self._keep_gathering = keep_gathering

        def revoked(_consumer: Any, partitions: list[TopicPartition]) -> None:
            on_revoke(partitions)
            self.positions.revoked(partitions)
            _LOGGER.info(
                "partitions revoked", extra={"partitions": sorted(p.partition for p in partitions)}
            )

        def assigned(_consumer: Any, partitions: list[TopicPartition]) -> None:
            if partitions:
                _LOGGER.info(
                    "partitions assigned",
                    extra={"partitions": sorted(p.partition for p in partitions)},
                )

        self._consumer.subscribe([self._topic], on_assign=assigned, on_revoke=revoked)
        _LOGGER.info("consuming", extra={"topic": self._topic})

    def next_batch(self) -> list[Any]:
        """The next batch to decide: good messages above their floors, possibly empty."""
        replaying = bool(self.positions.in_doubt)
        good = []
        for message in self._gather_in_doubt() if replaying else self._gather():
            error = message.error()
            if error is None:
                good.append(message)
            elif error.code() == KafkaError._AUTO_OFFSET_RESET:
                resume_partition(self._consumer, self.positions.questions, message, error)
            elif is_fatal(error):
                raise ConsumerFatalError(str(error))
            elif error.code() != KafkaError._PARTITION_EOF:
                self._kafka.failed(KafkaException(error))
        return self.positions.not_answered(good, find_in_doubt=not replaying)

    def group_metadata(self) -> Any:
        """The consumer group's metadata, for the offsets inside a Kafka transaction."""
        return self._consumer.consumer_group_metadata()

    def _gather(self) -> list[Any]:
        positions = self.positions
        revocations = positions.revocations
        positions.rewound.clear()
        messages: list[Any] = self._consumer.consume(1, self._poll_timeout_s)
        if positions.rewound:
            return positions.give_back(messages)
        if not messages:
            return messages
        linger_until = time.perf_counter() + self.linger.linger_s()
        waiting = True
        while len(messages) < self._batch_size:
            # Wait for more while the previous batch commits or the linger runs; then one
            # last take of what is already there.
            waiting = waiting and (
                self._keep_gathering()
                or (time.perf_counter() < linger_until and not self.linger.enough(len(messages)))
            )
            wait_s = _GATHER_SLICE_S if waiting else 0
            messages += self._consumer.consume(self._batch_size - len(messages), wait_s)
            if positions.rewound:
                return positions.give_back(messages)
            if positions.revocations != revocations:
                revocations = positions.revocations
                messages = positions.drop_revoked(messages)
            if not waiting:
                break
        self.linger.batch_gathered(len(messages), time.perf_counter())
        return messages

    def _gather_in_doubt(self) -> list[Any]:
        """Every command whose answer may be stored but not published, across all
        partitions, and nothing else: what else is read comes again after it. Published in
        several batches, or after a new decision on the same account, an account's events
        would leave in another order than its balances were computed."""
        positions = self.positions
        revocations = positions.revocations
        positions.rewound.clear()
        reached: dict[Partition, int] = {}
        messages: list[Any] = []
        deadline = time.perf_counter() + _IN_DOUBT_STALL_S
        while not all(reached.get(k, -1) >= last for k, last in positions.in_doubt.items()):
            if self._stop.is_set():
                break
            if time.perf_counter() > deadline:
                _LOGGER.warning(
                    "answers in doubt not all read in time; publishing what was",
                    extra={"partitions": sorted(p for _, p in positions.in_doubt)},
                )
                break
            got = self._consumer.consume(self._batch_size, self._poll_timeout_s)
            if positions.rewound:
                return positions.give_back(messages + got)
            if got:
                deadline = time.perf_counter() + _IN_DOUBT_STALL_S
            else:
                # A partition lost without a revocation would otherwise be waited for.
                owned = positions.owned()
                positions.in_doubt = {k: v for k, v in positions.in_doubt.items() if k in owned}
            for message in got:
                error = message.error()
                if error is None:
                    key = (message.topic(), message.partition())
                    reached[key] = max(reached.get(key, -1), message.offset())
                elif error.code() == KafkaError._AUTO_OFFSET_RESET:
                    # Now, not after the batch: the partition reads nothing until then.
                    resume_partition(self._consumer, positions.questions, message, error)
                    continue
                messages.append(message)
        if positions.revocations != revocations:
            messages = positions.drop_revoked(messages)
        kept: list[Any] = []
        later: list[Any] = []
        for message in messages:
            last = positions.in_doubt.get((message.topic(), message.partition()))
            if message.error() is None and (last is None or message.offset() > last):
                later.append(message)
            else:
                kept.append(message)
        positions.in_doubt.clear()
        positions.rewind(later)
        return kept
