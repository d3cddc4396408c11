"""Stored answers: what a command id was answered, and which Kafka message first asked.

The source (`partition`, `offset` on `commands`) tells a redelivery of the same message
(after a crash between the database commit and the Kafka commit: publish everything again)
from a new message that reuses a command id (answer again, change nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from command_handler.domain import CreationFeedback, TransferFeedback

__all__ = ["MessageSource", "StoredAnswer"]

FeedbackT = TypeVar("FeedbackT", TransferFeedback, CreationFeedback)


@dataclass(frozen=True, slots=True)
class MessageSource:
    """Where a command was read: partition and offset of the `commands` topic."""

    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class StoredAnswer(Generic[FeedbackT]):
    """The answer given to `command_id`, first asked by the message at `source`."""

    command_id: uuid.UUID
    feedback: FeedbackT
    source: MessageSource
