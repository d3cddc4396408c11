"""Consumer errors: a restarting broker's errors are skipped, only fatal ones stop."""

from typing import Any

import pytest
from confluent_kafka import KafkaError, Message

from backend.kafka.decoding import FatalConsumerError, decode_batch
from topology.topics import BALANCE_CHANGED


class NoRegistrySerde:
    """Never called: these messages carry errors, not values."""

    def deserialize(self, topic: Any, data: bytes) -> Any:
        raise AssertionError("an error message must not be decoded")


TOPICS = {BALANCE_CHANGED.name: BALANCE_CHANGED}


def test_authorization_errors_of_a_restarting_broker_are_skipped() -> None:
    # Seen after a Kafka restart: non-retriable by its flag, yet it clears by itself.
    error = KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED)
    messages = [Message(topic=BALANCE_CHANGED.name, error=error) for _ in range(3)]
    delivered, skipped = decode_batch(messages, NoRegistrySerde(), TOPICS)  # type: ignore[arg-type]
    assert (delivered, skipped) == ([], 0)


def test_a_fatal_error_stops_the_consumer() -> None:
    fatal = Message(topic=BALANCE_CHANGED.name, error=KafkaError(KafkaError._FATAL, fatal=True))
    with pytest.raises(FatalConsumerError):
        decode_batch([fatal], NoRegistrySerde(), TOPICS)  # type: ignore[arg-type]
