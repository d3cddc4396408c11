"""`python -m stack transactions` against the real broker: the Admin API calls answer, find
nothing hanging on a healthy cluster, and never take a live transaction for a hanging one
(its coordinator counts its partition). The brokers refuse a transaction time-out above
their maximum, which is what bounds how long a transaction no coordinator knows can live."""

import io
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from stack.kafka_config import TRANSACTION_MAX_TIMEOUT_MS
from stack.layout import StackLayout
from stack.state import read_state
from stack.transactions import check_transactions, snapshot

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

KafkaConfig = dict[str, str | int | float | bool]


@pytest.fixture
def topic(kafka_config: KafkaConfig) -> Iterator[str]:
    """A throwaway topic, deleted afterwards."""
    name = f"test-transactions-{uuid.uuid4().hex[:12]}"
    admin = AdminClient(kafka_config)
    admin.create_topics([NewTopic(name, num_partitions=1)])[name].result(timeout=30)
    yield name
    admin.delete_topics([name])[name].result(timeout=30)


def test_the_command_reports_no_hanging_transaction(stack_layout: StackLayout) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack", "transactions"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    brokers = read_state(stack_layout).brokers
    assert result.stdout.strip() == f"kafka: no hanging transaction on {brokers} broker(s)"


def test_a_producer_cannot_ask_for_more_than_the_brokers_maximum_transaction_time_out(
    kafka_config: KafkaConfig,
) -> None:
    producer = Producer(
        {
            **kafka_config,
            "transactional.id": f"tests-long-{uuid.uuid4().hex[:12]}",
            "transaction.timeout.ms": TRANSACTION_MAX_TIMEOUT_MS + 1,
        }
    )
    with pytest.raises(KafkaException) as refused:
        producer.init_transactions(30)
    assert refused.value.args[0].code() == KafkaError.INVALID_TRANSACTION_TIMEOUT


def test_a_live_transaction_is_never_taken_for_a_hanging_one(
    stack_layout: StackLayout, kafka_config: KafkaConfig, topic: str
) -> None:
    producer = Producer(
        {
            **kafka_config,
            "transactional.id": f"tests-live-{uuid.uuid4().hex[:12]}",
            "transaction.timeout.ms": TRANSACTION_MAX_TIMEOUT_MS,
        }
    )
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(topic, b"open while the tool looks")
    assert producer.flush(30) == 0
    out = io.StringIO()
    brokers = read_state(stack_layout).brokers
    # The snapshot sees it open, and its coordinator still has to end it there.
    seen = snapshot(stack_layout, brokers)
    (mine,) = [t for t in seen.opened if t.topic == topic]
    (known,) = [c for c in seen.coordinated if c.producer_id == mine.producer_id]
    assert (topic, 0, mine.producer_id, mine.start_offset) in seen.still
    assert known.state == "Ongoing", known
    assert f"{topic}-0" in known.pending
    # So it is not hanging and is not aborted: its commit still succeeds.
    hanging = check_transactions(stack_layout, brokers, out, abort=True)
    assert hanging == [], out.getvalue()
    assert out.getvalue() == ""
    producer.commit_transaction(30)
    assert [t for t in snapshot(stack_layout, brokers).opened if t.topic == topic] == []
