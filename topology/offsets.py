"""Per partition offsets of the messages a consumer read: where to read them again, and what a
commit of them records. Messages that carry an error name no record and are left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from confluent_kafka import TopicPartition

__all__ = ["first_offsets", "next_offsets"]


def first_offsets(messages: Sequence[Any]) -> list[TopicPartition]:
    """Per partition, the offset of the first of `messages` (where to read them again)."""
    first: dict[tuple[str, int], int] = {}
    for message in messages:
        if message.error() is None:
            key = (message.topic(), message.partition())
            first[key] = min(first.get(key, message.offset()), message.offset())
    return [TopicPartition(t, p, o) for (t, p), o in first.items()]


def next_offsets(messages: Sequence[Any]) -> list[TopicPartition]:
    """Per partition, the offset after the last of `messages` (what a commit records)."""
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        if message.error() is None:
            key = (message.topic(), message.partition())
            last[key] = max(last.get(key, -1), message.offset())
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
