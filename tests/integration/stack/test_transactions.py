"""`python -m stack transactions` against the real broker: Kafka's own tool answers, finds
nothing hanging on a healthy cluster, and never takes a live transaction for a hanging one
(it is open past the look-back, but its coordinator knows it). The brokers refuse a
transaction time-out above their maximum, which is what makes a longer one hanging."""

import io
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from stack.kafka_config import TRANSACTION_MAX_TIMEOUT_MS
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
    time.sleep(2)
    out = io.StringIO()
    brokers = read_state(stack_layout).brokers
    # A look-back of 0 min makes every open transaction a candidate; the coordinator knows
    # this one, so it is not hanging and is not aborted: its commit still succeeds.
    hanging = check_transactions(
        stack_layout, brokers, out, abort=True, max_transaction_timeout_min=0
    )
    assert hanging == [], out.getvalue()
    assert out.getvalue() == ""
    producer.commit_transaction(30)
