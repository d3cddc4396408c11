"""Decode a batch of Kafka messages into ``Delivered`` records (in the consumer's thread)."""

import logging
from collections.abc import Iterable

from confluent_kafka import KafkaError, Message

from backend.feedback import Delivered
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import Topic

__all__ = ["decode_batch"]

_log = logging.getLogger(__name__)


def decode_batch(
    messages: Iterable[Message], serde: RecordSerde, topics: dict[str, Topic]
) -> tuple[list[Delivered], int]:
    """The decodable records of ``messages`` and how many were skipped.

    A record the backend cannot decode is logged with its coordinates and
    skipped: parking bad messages is the command handler's job (dead-letter topic).
    Broker errors other than end-of-partition raise ``RuntimeError``.
    """
    delivered: list[Delivered] = []
    skipped = 0
    for message in messages:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                continue
            if error.fatal() or not error.retriable():
                raise RuntimeError(f"consumer error: {error}")
            _log.warning("transient consumer error: %s", error)
            continue
        topic_name = message.topic()
        value = message.value()
        topic = topics.get(topic_name or "")
        if topic is None or value is None:
            skipped += 1
            continue
        try:
            record = serde.deserialize(topic, value)
        except UndecodableRecord as exc:
            skipped += 1
            _log.warning(
                "skipping undecodable record at %s/%s/%s: %s",
                topic_name,
                message.partition(),
                message.offset(),
                exc.reason,
            )
            continue
        delivered.append(
            Delivered(topic.name, message.partition() or 0, message.offset() or 0, record)
        )
    return delivered, skipped
