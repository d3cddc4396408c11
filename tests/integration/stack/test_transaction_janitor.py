"""A broker killed with SIGKILL is checked for hanging transactions without an operator.

Kills the process group of `kafka-1` of the stack the tests run against (run it on a private
stack: `OPEN_BANK_RUN_DIR`/`OPEN_BANK_PORT_OFFSET`), runs no command, and waits for the check
supervisord's event listener schedules after the restart: a line in `transactions.log` that
found the cluster answering, no sooner than the first of `CHECK_DELAYS_S` after the restart
and well before the last.
"""

from __future__ import annotations

import calendar
import os
import signal
import time

import pytest

from stack.components import plan
from stack.layout import StackLayout
from stack.state import read_state
from stack.supervision import component_pid
from stack.transaction_janitor import CHECK_DELAYS_S

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

# The node's start, the check's JVM and the listener's five-second ticks, on a loaded machine.
CHECK_RUNS_WITHIN_S = 40.0


def _kafka_healthy(layout: StackLayout) -> bool:
    groups = plan(layout, read_state(layout).brokers, services=False)
    (node,) = [c for group in groups for c in group.components if c.name == "kafka-1"]
    return node.healthy()


def _epoch(stamp: str) -> float:
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))


def test_a_killed_broker_is_checked_for_hanging_transactions_by_itself(
    stack_env: dict[str, str], stack_layout: StackLayout
) -> None:
    log = stack_layout.log_file("transactions")
    seen = log.stat().st_size if log.exists() else 0
    pid = component_pid(stack_layout, "kafka-1")
    assert pid is not None, "kafka-1 does not run"

    os.killpg(pid, signal.SIGKILL)
    killed_at = time.time()
    while (new_pid := component_pid(stack_layout, "kafka-1")) in {None, pid}:
        assert time.time() - killed_at < 10, "supervisord did not start kafka-1 again"
        time.sleep(0.05)
    restarted_at = time.time()

    deadline = restarted_at + CHECK_DELAYS_S[0] + CHECK_RUNS_WITHIN_S
    checks: list[str] = []
    answered: list[str] = []
    while not answered:
        assert time.time() < deadline, f"no check that Kafka answered in {log}: {checks}"
        time.sleep(1)
        with log.open() as handle:
            handle.seek(seen)
            checks = [line for line in handle if "kafka-1 restarted at" in line]
        answered = [line for line in checks if "check failed" not in line]
    line = answered[0]
    checked_at = _epoch(line.split()[0])
    print(
        f"kafka-1 (pid {pid}) killed; pid {new_pid}; {len(checks)} check(s),"
        f" the first that Kafka answered ended {checked_at - killed_at:.0f} s after the kill"
    )
    print(line.strip())
    assert _epoch(checks[0].split()[0]) >= restarted_at - 1 + CHECK_DELAYS_S[0], "too soon"
    assert "no hanging transaction" in line or "hanging transaction(s)" in line, line
    assert new_pid == component_pid(stack_layout, "kafka-1")
    while not _kafka_healthy(stack_layout):  # leave the stack as it was found
        assert time.time() < deadline, "kafka-1 is not healthy again"
        time.sleep(1)
