"""Which consumer errors end a client for good (pure)."""

from confluent_kafka import KafkaError

from topology.kafka_errors import is_fatal


def test_a_fatal_error_as_consume_hands_it_out_is_fatal() -> None:
    # What a fenced static member's consume() returned after a Kafka restart: the flag unset.
    handed_out = KafkaError(KafkaError._FATAL, "Fatal error: Broker: Static consumer fenced")
    assert not handed_out.fatal()
    assert is_fatal(handed_out)
    assert is_fatal(KafkaError(KafkaError.FENCED_INSTANCE_ID, fatal=True))


def test_errors_librdkafka_retries_are_not_fatal() -> None:
    for code in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._PARTITION_EOF):
        assert not is_fatal(KafkaError(code))
