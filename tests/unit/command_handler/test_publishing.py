"""The publisher after `abandon`: a thread stuck in the old producer that wakes up later
must not abort, flush or drop the new one."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from command_handler import publishing
from command_handler.publishing import TransactionalPublisher


class FakeProducer:
    def __init__(self, config: dict[str, Any]) -> None:
        self.calls: list[str] = []

    def init_transactions(self, timeout: float) -> None:
        self.calls.append("init")

    def abort_transaction(self, timeout: float) -> None:
        self.calls.append("abort")

    def flush(self, timeout: float) -> int:
        self.calls.append("flush")
        return 0


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> TransactionalPublisher:
    monkeypatch.setattr(publishing, "Producer", FakeProducer)
    return TransactionalPublisher(dict)


def test_abandon_makes_the_next_prepare_create_a_new_producer(
    publisher: TransactionalPublisher,
) -> None:
    publisher.prepare()
    first = publisher._producer
    publisher.abandon()
    publisher.prepare()

    assert publisher._producer is not first
    assert first.calls == ["init"]  # abandoned: never called again
    assert publisher._producer.calls == ["init"]


@pytest.mark.parametrize("fatal", [True, False])
def test_the_stuck_thread_waking_up_touches_only_its_own_producer(
    publisher: TransactionalPublisher, fatal: bool
) -> None:
    publisher.prepare()
    stuck = publisher._producer
    publisher.abandon()
    publisher.prepare()
    current = publisher._producer

    error = KafkaError(KafkaError._FENCED, "fenced", fatal=fatal)
    failure = publisher._abort(stuck, KafkaException(error))

    assert failure.fatal is fatal
    assert publisher._producer is current
    assert current.calls == ["init"]
    assert stuck.calls[1:] == (["flush"] if fatal else ["abort"])
