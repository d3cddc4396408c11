"""What the handler's consumer asks Kafka about its partitions (the group's committed offsets,
the ends of a partition's log), asked again with back-off until Kafka answers or the handler
stops: a consumer that guessed instead would skip commands or answer them twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from confluent_kafka import KafkaException, TopicPartition

from command_handler.backoff import Backoff
from command_handler.logs import StateLog

__all__ = ["KafkaQuestions"]

_T = TypeVar("_T")
# How long to wait for one answer from Kafka (s).
_ANSWER_TIMEOUT_S = 10.0


class KafkaQuestions:
    """Questions of one consumer; each returns None if the handler stops first."""

    def __init__(
        self, consumer: Any, *, stop: threading.Event, backoff: Backoff, kafka: StateLog
    ) -> None:
        self._consumer = consumer
        self._stop = stop
        self._backoff = backoff
        self._kafka = kafka

    def committed(self, partitions: list[TopicPartition]) -> list[TopicPartition] | None:
        """The group's committed offsets of `partitions`, asked until Kafka answers each
        without an error."""
        return self.ask(lambda: _checked(self._consumer.committed(partitions, _ANSWER_TIMEOUT_S)))

    def committed_offset(self, partition: TopicPartition) -> TopicPartition | None:
        """The group's committed offset of `partition`, as Kafka answered it: an error or a
        negative offset means the group never committed it."""
        answer = self.ask(lambda: self._consumer.committed([partition], _ANSWER_TIMEOUT_S))
        return None if answer is None else answer[0]

    def watermarks(self, partition: TopicPartition) -> tuple[int, int] | None:
        """The first offset of `partition`'s log and the offset after its last."""

        def ask_leader() -> tuple[int, int]:
            low, high = self._consumer.get_watermark_offsets(
                partition, _ANSWER_TIMEOUT_S, cached=False
            )
            return int(low), int(high)

        return self.ask(ask_leader)

    def ask(self, call: Callable[[], _T]) -> _T | None:
        """`call` (a question to Kafka), retried with back-off until it answers."""
        while not self._stop.is_set():
            try:
                return call()
            except KafkaException as exc:
                self._kafka.failed(exc)
                self._stop.wait(self._backoff.next_delay_s())
        return None


def _checked(partitions: list[TopicPartition]) -> list[TopicPartition]:
    """`partitions` as Kafka answered them, or the first partition's error raised."""
    for partition in partitions:
        if partition.error is not None:
            raise KafkaException(partition.error)
    return partitions
