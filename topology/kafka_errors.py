"""Telling a consumer error librdkafka retries from one it never recovers from."""

from __future__ import annotations

from confluent_kafka import KafkaError

__all__ = ["is_fatal"]


def is_fatal(error: KafkaError) -> bool:
    """True when the client has failed for good and must be replaced (a fenced static
    member, a fenced transactional producer). librdkafka hands a consumer's fatal error to
    `consume()`/`poll()` as `_FATAL` (`rd_kafka_set_fatal_error0`), and confluent_kafka
    builds that message's error without the fatal flag, so both are looked at."""
    return bool(error.fatal()) or error.code() == KafkaError._FATAL
