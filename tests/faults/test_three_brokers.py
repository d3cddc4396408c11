"""Three Kafka brokers, one killed for good under load: the bank goes on and loses nothing.

Topics have 3 replicas and `min.insync.replicas=2` on three brokers (topology.topics), so
with one broker gone every `acks=all` write still succeeds. Runs on a private stack of its
own (`FAULTS_3_PORT_OFFSET`, default 3000): a one-broker stack's data cannot move to three.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest

from faults.private_stack import PrivateStack, fresh_run_dir
from faults.scenario import under_load, verify

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1200)]

LOAD = int(os.environ.get("FAULTS_LOAD", "200"))


@pytest.fixture(scope="module")
def three_broker_stack() -> Iterator[PrivateStack]:
    run_dir = fresh_run_dir("faults-3-brokers")
    stack = PrivateStack(run_dir, int(os.environ.get("FAULTS_3_PORT_OFFSET", "3000")))
    took = stack.up(brokers=3)
    print(f"\nthree-broker private stack up in {took:.0f} s")
    try:
        yield stack
    finally:
        stack.down()
        shutil.rmtree(run_dir, ignore_errors=True)


def test_one_of_three_brokers_killed_for_good(
    three_broker_stack: PrivateStack, record_verdict: list[str]
) -> None:
    with under_load(three_broker_stack, LOAD) as run:
        time.sleep(8)
        three_broker_stack.kill("kafka-2")
        assert three_broker_stack.health()["kafka-2"] == "stopped"
        time.sleep(30)  # the bank runs on two brokers
    verdict = verify(three_broker_stack, settle_bound_s=180)
    record_verdict += verdict.notes(run)
    problems = verdict.problems(run)
    assert not problems, "\n".join(problems)
    assert three_broker_stack.health()["kafka-2"] == "stopped"
