"""Decode a batch of Kafka messages into ``Delivered`` records (in the consumer's thread)."""

import logging
import time
from collections.abc import Iterable

from confluent_kafka import KafkaError, Message

from backend.feedback import Delivered
from topology.kafka_errors import is_fatal
from topology.serde import RecordSerde, UndecodableRecord
from topology.topics import Topic
from topology.tracing import TRACEPARENT

__all__ = ["FatalConsumerError", "decode_batch"]

_log = logging.getLogger(__name__)
_ERROR_LOG_INTERVAL_S = 10.0
_last_logged: dict[int, float] = {}


class FatalConsumerError(RuntimeError):
    """librdkafka says this consumer instance cannot go on; the process must restart."""


def _log_transient(error: KafkaError) -> None:
    # A broker that is restarting answers every poll with the same error (e.g. a group
    # authorization failure while it loads its metadata): one line per 10 s is enough.
    now = time.monotonic()
    if now - _last_logged.get(error.code(), -_ERROR_LOG_INTERVAL_S) >= _ERROR_LOG_INTERVAL_S:
        _last_logged[error.code()] = now
        _log.warning("consumer error, librdkafka keeps retrying: %s", error)


def decode_batch(
    messages: Iterable[Message],
    serde: RecordSerde,
    topics: dict[str, Topic],
    polled_at: float = 0.0,
) -> tuple[list[Delivered], int]:
    """The decodable records of ``messages`` and how many were skipped.

    A record the backend cannot decode is logged with its coordinates and
    skipped: parking bad messages is the command handler's job (dead-letter topic).
    Broker errors are logged and skipped (librdkafka retries by itself, also after
    errors it calls non-retriable, like an authorization failure from a broker that
    is still starting); only a fatal error raises ``FatalConsumerError``.
    ``polled_at`` (epoch seconds) and each record's Kafka timestamp are kept for the
    latency breakdown.
    """
    delivered: list[Delivered] = []
    skipped = 0
    for message in messages:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                continue
            if is_fatal(error):
                raise FatalConsumerError(f"fatal consumer error: {error}")
            _log_transient(error)
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
        _kind, produced_ms = message.timestamp()
        delivered.append(
            Delivered(
                topic.name,
                message.partition() or 0,
                message.offset() or 0,
                record,
                produced_ms=max(produced_ms or 0, 0),  # -1: no timestamp
                polled_at=polled_at,
                traceparent=_traceparent(message),
            )
        )
    return delivered, skipped


def _traceparent(message: Message) -> str | None:
    headers = message.headers()
    pairs = headers.items() if isinstance(headers, dict) else headers or ()
    for key, value in pairs:
        if key == TRACEPARENT and value:
            return value.decode("ascii", "replace") if isinstance(value, bytes) else value
    return None
