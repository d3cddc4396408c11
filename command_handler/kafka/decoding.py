"""Commands out of Kafka messages: Avro through the registry, then the domain's rule of what
cannot be decided at all (those go to the dead-letter topic with the reason)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from command_handler.domain import undecidable_reason
from command_handler.handling import DecodedCommand
from command_handler.storage import MessageSource
from topology.records import ConfirmAccountCreation, ConfirmMoneyTransfer
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import Topic

__all__ = ["DecodedBatch", "decode_commands"]


class DecodedBatch(NamedTuple):
    """The commands to decide, and the messages to dead-letter with their reasons."""

    commands: list[DecodedCommand]
    undecidable: list[tuple[Any, str]]


def decode_commands(messages: Sequence[Any], serde: RecordSerde, topic: Topic) -> DecodedBatch:
    """Decode `messages` of `topic`; RegistryUnavailableError when the registry is needed and
    down (nothing is lost: decode the same messages again later)."""
    batch = DecodedBatch([], [])
    for message in messages:
        try:
            record = serde.deserialize(topic, message.value() or b"")
        except UndecodableRecord as exc:
            batch.undecidable.append((message, exc.reason))
            continue
        reason = undecidable_reason(record)
        if reason is not None:
            batch.undecidable.append((message, reason))
        elif isinstance(record, ConfirmAccountCreation | ConfirmMoneyTransfer):
            source = MessageSource(message.partition(), message.offset())
            batch.commands.append(DecodedCommand(record, source, message.timestamp()[1]))
    return batch
