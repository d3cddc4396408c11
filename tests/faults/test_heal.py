"""The bank heals itself: kill -9 any one process under load, run no command, and within
15 s it answers again, with nothing lost, nothing doubled and no server error to a client.

Runs at the highest of `FAULTS_LOADS` (1,000 msg/s by default) on a private one-broker
stack of its own. Each scenario times the heal (`tests.support.faults.heal`): a deposit
through nginx decided again, and the killed component back and healthy. Then the
PostgreSQL restarts, the synchronizer killed mid-run, and a power cut (supervisord and
every process at once) followed by `up`. The SIGKILLs of the only Kafka broker come last:
a SIGKILLed single broker can leave a hanging transaction (docs/reliability.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from stack.supervision import component_pids
from tests.support.faults.heal import BankProbe, kill_and_time_heal
from tests.support.faults.outages import (
    kill_one_postgres_backend,
    kill_synchronizer_mid_run,
    power_cut,
    restart_postgres,
    set_topic_config,
    topic_config,
)
from tests.support.faults.private_stack import PrivateStack
from tests.support.faults.scenario import assert_nothing_lost, fault_loads, under_load

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

LOAD = max(fault_loads())
#: Every process of the bank; Kafka last (see the module's docstring).
PROCESSES = [
    "heartbeat",
    "command-generator",
    "command-handler",
    "backend",
    "nginx",
    "registry",
    "postgres",
]


@pytest.fixture
def probe(private_stack: PrivateStack) -> Iterator[BankProbe]:
    opened = BankProbe(private_stack).open()
    try:
        yield opened
    finally:
        opened.close()


def _heal_scenario(
    stack: PrivateStack, name: str, probe: BankProbe, record: list[str], settle_bound_s: float
) -> None:
    with under_load(stack, LOAD) as run:
        time.sleep(4)
        heal = kill_and_time_heal(stack, name, probe)
        record.append(f"at {LOAD} msg/s: {heal.line()}")
        time.sleep(4)
    assert_nothing_lost(stack, run, record, settle_bound_s, account_order=True)
    assert probe.server_errors == [], probe.server_errors
    assert heal.problems() == [], heal.problems()


@pytest.mark.parametrize("name", PROCESSES)
def test_kill_9_heals_within_bound(
    private_stack: PrivateStack, probe: BankProbe, record_verdict: list[str], name: str
) -> None:
    settle = 180 if name == "postgres" else 120
    _heal_scenario(private_stack, name, probe, record_verdict, settle)


@pytest.mark.parametrize("how", ["one-backend-sigkilled", "fast-restart"])
def test_postgres_restart_no_client_error(
    private_stack: PrivateStack, probe: BankProbe, record_verdict: list[str], how: str
) -> None:
    """One server process SIGKILLed (the postmaster restarts every connection), or a fast
    restart through supervisord: the API's pooled connections are dead after either, and
    no client may see an error for it."""
    with under_load(private_stack, LOAD) as run:
        time.sleep(4)
        if how == "fast-restart":
            took = restart_postgres(private_stack)
            record_verdict.append(
                f"at {LOAD} msg/s: postgres fast restart, healthy in {took:.1f} s"
            )
        else:
            pid = kill_one_postgres_backend(private_stack)
            record_verdict.append(f"at {LOAD} msg/s: postgres server process {pid} SIGKILLed")
        time.sleep(10)
    assert_nothing_lost(private_stack, run, record_verdict, 180, account_order=True)
    assert sum(c.completed for c in run.clients) > 0
    assert probe.deposit_until_decided(), "the bank does not answer after the restart"
    assert probe.server_errors == [], probe.server_errors


def test_synchronizer_killed_mid_run(
    private_stack: PrivateStack, record_verdict: list[str]
) -> None:
    """The synchronizer is a one-shot of `up`: it runs when a service is not running. With
    the generator stopped and a topic config drifted, `up` runs it; it is SIGKILLed mid-run,
    so that `up` fails and says so; the next `up` runs it to the end, sets the drift back
    and starts the generator."""
    with under_load(private_stack, LOAD) as run:
        time.sleep(4)
        private_stack.stop("command-generator")
        set_topic_config(private_stack, "commands", "retention.bytes", "1073741824")
        pid, said = kill_synchronizer_mid_run(private_stack)
        record_verdict.append(f"synchronizer (pid {pid}) SIGKILLed mid-run; up: {said}")
        took = private_stack.up()
        record_verdict.append(f"the next up ran it to the end in {took:.1f} s")
        private_stack.set_load(LOAD)
        time.sleep(5)
    assert_nothing_lost(private_stack, run, record_verdict, account_order=True)
    assert not said.startswith("exit 0"), f"up did not notice its synchronizer died: {said}"
    assert topic_config(private_stack, "commands", "retention.bytes") == "-1"
    assert private_stack.health()["command-generator"] == "healthy"


def test_kafka_kill_9_heals_within_bound(
    private_stack: PrivateStack, probe: BankProbe, record_verdict: list[str]
) -> None:
    _heal_scenario(private_stack, "kafka-1", probe, record_verdict, 180)


def test_power_cut_then_up(private_stack: PrivateStack, record_verdict: list[str]) -> None:
    """supervisord and every process SIGKILLed at once under load, then `up`: the clients
    ride it out (asking again with their command ids) and nothing is lost. They wait as long
    as `up` may take: at a load average of 30 it took 244 s (Kafka's log recovery)."""
    with under_load(private_stack, LOAD, give_up_s=600) as run:
        time.sleep(5)
        killed = power_cut(private_stack)
        assert component_pids(private_stack.layout) == {}
        took = private_stack.up()
        record_verdict.append(
            f"at {LOAD} msg/s: power cut ({killed} processes), up in {took:.0f} s"
        )
        private_stack.set_load(LOAD)  # a new heartbeat starts at its default rate
        time.sleep(8)
    assert_nothing_lost(private_stack, run, record_verdict, 180, account_order=True)
    health = private_stack.health()
    assert all(health[name] == "healthy" for name in [*PROCESSES, "kafka-1"]), health
