"""Kill parts of a private one-broker stack under load; the bank loses and doubles nothing.

Each scenario runs the generated load (each of `FAULTS_LOADS` msg/s, default 200 and 1,000,
in turn) and three
scripted GraphQL clients, injects its fault, stops the load, waits (bounded) until every
consumer group has caught up and checks every guarantee of `tests.support.faults.invariants`
on the real topics and tables. The checks are cumulative: each scenario checks the whole history
of the session's stack, so an earlier breakage shows in every later scenario too. The last
scenario breaks the guarantee on purpose and asserts the checks catch it.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from bench.handler_process import HandlerProcess, free_port
from command_handler.settings import CommandHandlerSettings
from stack.env import service_env
from tests.support.faults.private_stack import PrivateStack
from tests.support.faults.scenario import assert_nothing_lost, fault_loads, under_load, verify
from tests.support.faults.split_handler import spawn_split_handler

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

LOADS = fault_loads()
# Each scenario at each load, one after the other on the module's stack.
at_each_load = pytest.mark.parametrize("load", LOADS, ids=[f"{load}msgs" for load in LOADS])
#: Past the handler's consumer session time-out, so the group drops the stopped instance.
_SESSION_TIMEOUT_MS: int = CommandHandlerSettings.model_fields["session_timeout_ms"].default
PAUSE_PAST_SESSION_S = _SESSION_TIMEOUT_MS / 1000 + 6


def _second_handler(stack: PrivateStack, instance: str = "1") -> HandlerProcess:
    env = service_env("command-handler", stack.layout) | {
        "OPEN_BANK_COMMAND_HANDLER_INSTANCE": instance,
        "OPEN_BANK_COMMAND_HANDLER_METRICS_PORT": str(free_port()),
    }
    log = stack.layout.log_file(f"command-handler-{instance}")
    return HandlerProcess(env, log).start()


def _wait_for_log(handler: HandlerProcess, text: str, count: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (seen := handler.log().count(text)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return seen


def _kill_and_restart(
    stack: PrivateStack, name: str, record: list[str], sig: int = signal.SIGKILL
) -> None:
    """Kill `name`'s process group and note how long supervisord takes to bring it back
    healthy, with no `stack up`: the bank heals alone."""
    pid = stack.kill(name, sig)
    record.append(f"{name} (pid {pid}) killed, back in {stack.wait_back(name, pid):.1f} s")


@at_each_load
def test_command_handler_sigkilled_three_times(
    private_stack: PrivateStack, record_verdict: list[str], load: int
) -> None:
    rng = random.Random()
    with under_load(private_stack, load) as run:
        time.sleep(4)
        for _ in range(3):
            time.sleep(rng.uniform(1.0, 6.0))
            _kill_and_restart(private_stack, "command-handler", record_verdict)
        time.sleep(4)
    assert_nothing_lost(private_stack, run, record_verdict, account_order=True)


@at_each_load
def test_backend_killed_and_restarted(
    private_stack: PrivateStack, record_verdict: list[str], load: int
) -> None:
    with under_load(private_stack, load) as run:
        time.sleep(5)
        _kill_and_restart(private_stack, "backend", record_verdict)
        time.sleep(8)
    assert_nothing_lost(private_stack, run, record_verdict, account_order=True)
    assert sum(c.retries for c in run.clients) > 0, "the clients never saw the backend down"


@at_each_load
@pytest.mark.parametrize(
    ("name", "sig"),
    [("kafka-1", signal.SIGTERM), ("postgres", signal.SIGKILL)],
    ids=["kafka-1", "postgres"],
)
def test_infrastructure_killed_and_restarted(
    private_stack: PrivateStack, record_verdict: list[str], name: str, sig: int, load: int
) -> None:
    """The only Kafka broker stopped and started again; PostgreSQL's whole process group
    SIGKILLed (crash recovery). Both take longer to come back and to catch up after.

    Kafka gets SIGTERM, not SIGKILL: a SIGKILLed single broker can leave a hanging
    transaction (on restart its transaction coordinator resent a commit's markers before
    the broker was registered again, took the partitions for deleted and skipped them), and
    then read_committed readers and committed-offset fetches wait for an operator to abort
    it (docs/reliability.md, Findings). A broker SIGKILLed for good, with others to take
    over, is the three-broker scenario."""
    with under_load(private_stack, load) as run:
        time.sleep(5)
        _kill_and_restart(private_stack, name, record_verdict, sig=sig)
        time.sleep(10)
    assert_nothing_lost(private_stack, run, record_verdict, settle_bound_s=180, account_order=True)


@at_each_load
def test_handler_paused_past_its_session_timeout(
    private_stack: PrivateStack, record_verdict: list[str], load: int
) -> None:
    second = _second_handler(private_stack)
    try:
        assert _wait_for_log(second, "partitions assigned", 1, 60) >= 1
        with under_load(private_stack, load) as run:
            time.sleep(4)
            before = second.log().count("partitions assigned")
            private_stack.pause("command-handler")
            try:
                time.sleep(PAUSE_PAST_SESSION_S)
            finally:
                private_stack.resume("command-handler")
            # The paused instance was dropped from the group: the other one took its
            # partitions, and gives some back when it rejoins.
            rebalances = _wait_for_log(second, "partitions assigned", before + 1, 30) - before
            record_verdict.append(f"rebalances seen by the other instance: {rebalances}")
            time.sleep(6)
        assert rebalances >= 1
        assert_nothing_lost(private_stack, run, record_verdict)
    finally:
        second.stop()


@at_each_load
def test_two_handlers_one_killed(
    private_stack: PrivateStack, record_verdict: list[str], load: int
) -> None:
    second = _second_handler(private_stack)
    try:
        assert _wait_for_log(second, "partitions assigned", 1, 60) >= 1
        with under_load(private_stack, load) as run:
            time.sleep(5)
            # The survivor handles everything alone once the killed one's session ended.
            pid = private_stack.kill("command-handler", stay_down=True)
            time.sleep(PAUSE_PAST_SESSION_S)
            back_s = private_stack.up()
            record_verdict.append(
                f"command-handler (pid {pid}) killed, kept down {PAUSE_PAST_SESSION_S:.0f} s,"
                f" back in {back_s:.1f} s"
            )
            time.sleep(4)
            second.kill()
            time.sleep(6)
        assert second.log().count("partitions assigned") >= 2
        assert_nothing_lost(private_stack, run, record_verdict)
    finally:
        if second.running():
            second.stop()


def test_checks_catch_a_handler_with_its_transaction_split_in_two(
    private_stack: PrivateStack, record_verdict: list[str]
) -> None:
    """Runs last: it leaves the stack's money broken on purpose."""
    assert verify(private_stack).problems() == [], "the stack was broken before this test"
    private_stack.kill("command-handler", signal.SIGTERM, stay_down=True)
    broken = spawn_split_handler(
        service_env("command-handler", private_stack.layout),
        private_stack.layout.log_file("split-handler"),
        crash_after_batches=3,
    )
    try:
        with under_load(private_stack, LOADS[0], clients=1):
            assert broken.wait(90) == -signal.SIGKILL, "the split handler never crashed"
            private_stack.up()  # the correct handler takes over and sees the commands again
            time.sleep(5)
    finally:
        if broken.poll() is None:  # it did not crash: never leave it behind
            broken.kill()
            broken.wait(30)
    verdict = verify(private_stack)
    record_verdict += [str(v) for v in verdict.violations]
    caught = {violation.check for violation in verdict.violations}
    assert {"money_conserved", "balances_follow_changes"} <= caught
