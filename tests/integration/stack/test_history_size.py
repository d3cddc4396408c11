"""`status` shows the history's size, read from the running stack's Kafka log folders, and
the size follows what a topic receives."""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from stack.history_size import history_size, kafka_log_dirs
from stack.layout import StackLayout
from topology.topics import HISTORY_TOPICS

pytestmark = pytest.mark.integration

ClientConfig = dict[str, str | int | float | bool]


def test_status_prints_the_history_size_of_the_four_topics(
    stack_env: dict[str, str], stack_layout: StackLayout
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack", "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("history: ")]
    assert len(lines) == 1, result.stdout
    assert " in 4 topics (records " in lines[0]


def test_the_size_grows_with_what_a_topic_receives(
    stack_env: dict[str, str], stack_layout: StackLayout, kafka_config: ClientConfig
) -> None:
    assert history_size(kafka_log_dirs(stack_layout), [t.name for t in HISTORY_TOPICS]).topics == 4
    # A private topic: the real history topics keep everything, test bytes included.
    name = f"test_history_size_{uuid.uuid4().hex[:12]}"
    admin = AdminClient(kafka_config)
    admin.create_topics([NewTopic(name, 2, 1)])[name].result(timeout=10)
    try:
        # The broker makes the partition folders once the controller's record reaches it.
        deadline = time.monotonic() + 10
        empty = history_size(kafka_log_dirs(stack_layout), [name])
        while empty.topics == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
            empty = history_size(kafka_log_dirs(stack_layout), [name])
        assert (empty.topics, empty.record_bytes) == (1, 0)
        producer = Producer(kafka_config)
        for n in range(100):
            producer.produce(name, random.randbytes(1000), key=str(n).encode())
        assert producer.flush(10) == 0
        written = history_size(kafka_log_dirs(stack_layout), [name])
        # 100 kB of incompressible values, plus batch and record headers.
        assert 100_000 <= written.record_bytes < 120_000
        assert written.disk_bytes >= written.record_bytes
    finally:
        admin.delete_topics([name], operation_timeout=10)
