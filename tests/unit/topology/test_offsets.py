"""Per partition offsets of what a consumer read."""

from __future__ import annotations

from confluent_kafka import KafkaError, TopicPartition

from tests.support.handler_memory_bank import LogMessage
from topology.offsets import first_offsets, next_offsets


class EndOfPartition(LogMessage):
    def error(self) -> KafkaError:  # type: ignore[override]
        return KafkaError(KafkaError._PARTITION_EOF)


MESSAGES = [
    LogMessage("commands", 0, 12, None, None),
    LogMessage("commands", 1, 4, None, None),
    LogMessage("commands", 0, 10, None, None),
    LogMessage("commands", 0, 11, None, None),
    EndOfPartition("commands", 2, -1, None, None),
]


def test_first_offsets_are_where_each_partition_is_read_again() -> None:
    assert first_offsets(MESSAGES) == [
        TopicPartition("commands", 0, 10),
        TopicPartition("commands", 1, 4),
    ]


def test_next_offsets_are_what_a_commit_records_and_skip_errors() -> None:
    assert next_offsets(MESSAGES) == [
        TopicPartition("commands", 0, 13),
        TopicPartition("commands", 1, 5),
    ]
