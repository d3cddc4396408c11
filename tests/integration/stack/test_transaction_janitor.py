"""A broker killed with SIGKILL is checked for hanging transactions without an operator.

Kills the process group of `kafka-1` of the stack the tests run against (run it on a private
stack: `OPEN_BANK_RUN_DIR`/`OPEN_BANK_PORT_OFFSET`), runs no command, and waits for the check
supervisord's event listener schedules after the restart: its line in `transactions.log`,
no sooner than `CHECK_DELAY_S` after the restart and within a minute and a half of it.
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
from stack.transaction_janitor import CHECK_DELAY_S

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

# The check's JVM runs and the listener's five-second ticks, on a loaded machine.
CHECK_RUNS_WITHIN_S = 90.0


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

    deadline = restarted_at + CHECK_DELAY_S + CHECK_RUNS_WITHIN_S
    checks: list[str] = []
    while not checks:
        assert time.time() < deadline, f"no check in {log} after the restart"
        time.sleep(2)
        with log.open() as handle:
            handle.seek(seen)
            checks = [line for line in handle if "kafka-1 restarted at" in line]
    (line,) = checks
    checked_at = _epoch(line.split()[0])
    print(
        f"kafka-1 (pid {pid}) killed; pid {new_pid}; checked {checked_at - killed_at:.0f} s later"
    )
    print(line.strip())
    assert checked_at >= restarted_at - 1 + CHECK_DELAY_S, "checked before the bound"
    assert "no hanging transaction" in line or "hanging transaction(s)" in line, line
    assert "check failed" not in line
    assert new_pid == component_pid(stack_layout, "kafka-1")
    while not _kafka_healthy(stack_layout):  # leave the stack as it was found
        assert time.time() < deadline, "kafka-1 is not healthy again"
        time.sleep(1)
