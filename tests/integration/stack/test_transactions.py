"""`python -m stack transactions` against the real broker: Kafka's own tool answers, finds
nothing hanging on a healthy cluster, and never takes a live long transaction for a
hanging one (it is open past the look-back, but its coordinator knows it)."""

import io
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from stack.layout import StackLayout
from stack.state import read_state
from stack.transactions import check_transactions

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


def test_a_live_transaction_older_than_the_look_back_is_not_hanging(
    stack_layout: StackLayout, kafka_config: KafkaConfig, topic: str
) -> None:
    producer = Producer(
        {
            **kafka_config,
            "transactional.id": f"tests-live-{uuid.uuid4().hex[:12]}",
            "transaction.timeout.ms": 300_000,
        }
    )
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(topic, b"open for more than a minute")
    assert producer.flush(30) == 0
    try:
        time.sleep(65)  # past the 1 minute look-back below
        out = io.StringIO()
        brokers = read_state(stack_layout).brokers
        hanging = check_transactions(
            stack_layout, brokers, out, abort=True, max_transaction_timeout_min=1
        )
        assert hanging == [], out.getvalue()
        assert out.getvalue() == ""
    finally:
        producer.abort_transaction(30)
