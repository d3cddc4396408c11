"""The publisher's failure handling: what it keeps, what it replaces, what it reports."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from command_handler.kafka import publisher as publishing
from command_handler.kafka.publisher import (
    OutgoingMessage,
    PublishFailedError,
    TransactionalPublisher,
)


class FakeProducer:
    """Records the calls; `send_offsets_to_transaction` raises `fail_with` if set."""

    fail_with: KafkaError | None = None
    fail_times = 1_000_000
    abort_fails = False

    def __init__(self, config: dict[str, Any]) -> None:
        self.calls: list[str] = []

    def init_transactions(self, timeout: float) -> None:
        self.calls.append("init")

    def begin_transaction(self) -> None:
        self.calls.append("begin")

    def produce(self, topic: str, **_kwargs: Any) -> None:
        self.calls.append(f"produce {topic}")

    def poll(self, timeout: float) -> int:
        return 0

    def send_offsets_to_transaction(self, offsets: Any, meta: Any, timeout: float) -> None:
        self.calls.append(f"send_offsets {timeout:g}")
        if self.fail_with is not None and self.fail_times > 0:
            self.fail_times -= 1
            raise KafkaException(self.fail_with)

    def commit_transaction(self, timeout: float) -> None:
        self.calls.append("commit")

    def abort_transaction(self, timeout: float) -> None:
        self.calls.append("abort")
        if self.abort_fails:
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "abort timed out"))

    def flush(self, timeout: float) -> int:
        self.calls.append("flush")
        return 0


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> TransactionalPublisher:
    monkeypatch.setattr(publishing, "Producer", FakeProducer)
    return TransactionalPublisher(dict)


MESSAGES = [OutgoingMessage("feedback", b"k", b"v")]
OFFSETS = [TopicPartition("commands", 0, 11)]


def test_a_batch_is_produced_and_committed_with_its_offsets(
    publisher: TransactionalPublisher,
) -> None:
    publisher.publish(MESSAGES, OFFSETS, None)

    assert publisher._producer.calls == [
        "init",
        "begin",
        "produce feedback",
        "send_offsets 10",
        "commit",
    ]


def test_an_abortable_failure_aborts_and_keeps_the_producer(
    publisher: TransactionalPublisher,
) -> None:
    publisher.publish(MESSAGES, OFFSETS, None)
    producer = publisher._producer
    producer.fail_with = KafkaError(KafkaError.ILLEGAL_GENERATION, "rebalanced")

    with pytest.raises(PublishFailedError) as failed:
        publisher.publish(MESSAGES, OFFSETS, None)

    assert not failed.value.fatal
    assert producer.calls[-2:] == ["send_offsets 10", "abort"]
    assert publisher._producer is producer


def test_a_fatal_failure_replaces_the_producer(publisher: TransactionalPublisher) -> None:
    publisher.publish(MESSAGES, OFFSETS, None)
    fenced = publisher._producer
    fenced.fail_with = KafkaError(KafkaError._FENCED, "fenced", fatal=True)

    with pytest.raises(PublishFailedError) as failed:
        publisher.publish(MESSAGES, OFFSETS, None)
    fenced.fail_with = None
    publisher.publish(MESSAGES, OFFSETS, None)

    assert failed.value.fatal
    assert fenced.calls[-2:] == ["send_offsets 10", "flush"]  # never aborted, never used again
    assert publisher._producer is not fenced
    assert publisher._producer.calls[0] == "init"  # the new one fences the old id first


def test_a_failed_abort_replaces_the_producer(publisher: TransactionalPublisher) -> None:
    publisher.publish(MESSAGES, OFFSETS, None)
    producer = publisher._producer
    producer.fail_with = KafkaError(KafkaError._TRANSPORT, "broker down")
    producer.abort_fails = True

    with pytest.raises(PublishFailedError) as failed:
        publisher.publish(MESSAGES, OFFSETS, None)

    assert failed.value.fatal
    assert publisher._producer is None


def test_a_retriable_failure_sends_the_offsets_again_and_commits(
    publisher: TransactionalPublisher,
) -> None:
    publisher.publish(MESSAGES, OFFSETS, None)
    producer = publisher._producer
    producer.fail_with = KafkaError(KafkaError._TRANSPORT, "coordinator loading", retriable=True)
    producer.fail_times = 2

    publisher.publish(MESSAGES, OFFSETS, None)

    assert producer.calls[-5:] == [
        "produce feedback",
        "send_offsets 10",
        "send_offsets 10",
        "send_offsets 10",
        "commit",
    ]
    assert "abort" not in producer.calls
    assert publisher._producer is producer


def test_offsets_are_not_sent_again_past_the_transaction_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(publishing, "Producer", FakeProducer)
    times = iter([100.0, 108.5, 111.2])  # begin; after the 1st failure; after the 2nd
    publisher = TransactionalPublisher(dict, transaction_timeout_s=12.0, clock=lambda: next(times))
    publisher._ready_producer().fail_with = KafkaError(
        KafkaError._TRANSPORT, "broker down", retriable=True
    )

    with pytest.raises(PublishFailedError) as failed:
        publisher.publish(MESSAGES, OFFSETS, None)

    producer = publisher._producer
    # The second try gets only what is left of the transaction; then it is aborted.
    assert producer.calls[-3:] == ["send_offsets 10", "send_offsets 3.5", "abort"]
    assert not failed.value.fatal
