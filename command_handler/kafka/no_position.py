"""A partition librdkafka has no usable position for: where it resumes.

librdkafka never picks a start by itself (`auto.offset.reset=error`). A partition resumes at
its committed offset, asked again and kept inside the log's range (retention may have removed
its start); only a partition the group never committed starts at its beginning. Starting a
committed partition at its beginning would answer every command on it a second time.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException, TopicPartition

from command_handler.kafka.questions import KafkaQuestions

__all__ = ["resume_partition"]

_LOGGER = logging.getLogger(__name__)


def resume_partition(
    consumer: Any, questions: KafkaQuestions, message: Any, error: KafkaError
) -> None:
    """Resume the partition of `message`, which carries librdkafka's `error` for it."""
    partition = TopicPartition(message.topic(), message.partition())
    position = questions.committed_offset(partition)
    if position is None:
        return
    if position.error is None and position.offset >= 0:
        watermarks = questions.watermarks(partition)
        if watermarks is None:
            return
        low, high = watermarks
        target = min(max(position.offset, low), high)
        _LOGGER.warning(
            "no position from librdkafka for a committed partition; resuming it",
            extra={
                "partition": partition.partition,
                "error": error.str(),
                "committed": position.offset,
                "low": low,
                "high": high,
                "offset": target,
            },
        )
    else:
        target = OFFSET_BEGINNING
        _LOGGER.info(
            "partition never committed by the group: starting at its beginning",
            extra={"partition": partition.partition},
        )
    try:
        # librdkafka refuses a seek on a partition stopped by this error; assigning it
        # again with an explicit offset restarts its fetcher.
        consumer.incremental_unassign([partition])
        consumer.incremental_assign([TopicPartition(partition.topic, partition.partition, target)])
    except KafkaException as exc:
        # Not ours any more: its next owner starts from the committed offset.
        _LOGGER.info("could not reset", extra={"error": str(exc)})
