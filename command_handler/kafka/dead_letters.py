"""A message the handler cannot decide, passed on unchanged to the dead-letter topic with
headers saying why and where it came from (`topology.dead_letter`)."""

from __future__ import annotations

import logging
from typing import Any

from command_handler.kafka.publisher import OutgoingMessage
from topology.dead_letter import DeadLetterOrigin, dead_letter_headers

__all__ = ["dead_letter"]

_LOGGER = logging.getLogger(__name__)


def dead_letter(message: Any, reason: str, *, topic: str, service: str) -> OutgoingMessage:
    """The dead letter of `message` on `topic`, logged once with its origin."""
    origin = DeadLetterOrigin(
        reason=reason,
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        service=service,
    )
    _LOGGER.warning(
        "dead letter",
        extra={
            "reason": reason,
            "topic": origin.topic,
            "partition": origin.partition,
            "offset": origin.offset,
        },
    )
    headers = dead_letter_headers(origin, message.headers())
    return OutgoingMessage(topic, message.key(), message.value(), headers)
