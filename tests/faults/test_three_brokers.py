"""Three Kafka brokers, one killed for good under load: the bank goes on and loses nothing.

Topics have 3 replicas and `min.insync.replicas=2` on three brokers (topology.topics), so
with one broker gone every `acks=all` write still succeeds. Runs on a private stack of its
own (conftest's `three_broker_stack`, `FAULTS_3_PORT_OFFSET`, default 3000), started after
the one-broker stack has stopped: a one-broker stack's data cannot move to three.
"""

from __future__ import annotations

import time

import pytest

from tests.support.faults.private_stack import PrivateStack
from tests.support.faults.scenario import assert_nothing_lost, fault_loads, under_load

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1200)]

LOAD = max(fault_loads())


def test_one_of_three_brokers_killed_for_good(
    three_broker_stack: PrivateStack, record_verdict: list[str]
) -> None:
    with under_load(three_broker_stack, LOAD) as run:
        time.sleep(8)
        three_broker_stack.kill("kafka-2", stay_down=True)
        assert three_broker_stack.health()["kafka-2"] == "stopped"
        time.sleep(20)  # the bank runs on two brokers
    assert_nothing_lost(
        three_broker_stack, run, record_verdict, settle_bound_s=180, account_order=True
    )
    assert three_broker_stack.health()["kafka-2"] == "stopped"
