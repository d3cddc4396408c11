"""Stored answers: what a command id was answered, and which Kafka message first asked.

The source (`partition`, `offset` on `commands`) tells a redelivery of the same message
(after a crash between the database commit and the Kafka commit: publish everything again)
from a new message that reuses a command id (answer again, change nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from command_handler.domain import CreationFeedback, TransferFeedback

__all__ = ["MessageSource", "StoredAnswer"]

FeedbackT = TypeVar("FeedbackT", TransferFeedback, CreationFeedback)


class MessageSource(NamedTuple):
    """Where a command was read: partition and offset of the `commands` topic.

    A NamedTuple (immutable, hashed in C): one is built per command on the loop thread, in
    ~0.9 µs where a frozen dataclass takes ~2.1."""

    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class StoredAnswer(Generic[FeedbackT]):
    """The answer given to `command_id`, first asked by the message at `source`."""

    command_id: uuid.UUID
    feedback: FeedbackT
    source: MessageSource
