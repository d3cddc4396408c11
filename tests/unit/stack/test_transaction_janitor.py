"""When the stack looks for hanging Kafka transactions (pure scheduling), that its bound for
transactions no coordinator knows is past every producer's time-out, and what one check
writes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, TextIO

import pytest

from command_handler.settings import CommandHandlerSettings
from stack import transaction_janitor
from stack.hanging_transactions import UNKNOWN_BOUND_S, HangingTransaction
from stack.kafka_config import TRANSACTION_ABORT_CHECK_MS, TRANSACTION_MAX_TIMEOUT_MS
from stack.layout import StackLayout
from stack.ports import Ports
from stack.supervision_events import Recorder, handle
from stack.transaction_janitor import (
    CHECK_DELAYS_S,
    REQUEST_TYPE,
    RETRY_DELAY_S,
    CheckRunner,
    CheckSchedule,
    Janitor,
    check_after_up,
    last_check_line,
    run_check,
    unclean_nodes,
)
from topology.clients import producer_config
from topology.settings import KafkaSettings


@pytest.mark.parametrize("from_state", ["EXITED", "BACKOFF", "FATAL"])
def test_a_restart_of_a_kafka_node_schedules_a_series_of_checks_the_last_past_the_bound(
    from_state: str,
) -> None:
    schedule = CheckSchedule()
    assert schedule.note_start("kafka-2", from_state, now=1000.0)
    assert schedule.take(1000.0 + CHECK_DELAYS_S[0] - 1, running=False) is None
    for delay in CHECK_DELAYS_S:
        reason = schedule.take(1000.0 + delay, running=False)
        assert reason is not None
        assert reason.startswith("kafka-2 restarted at ")
    assert schedule.take(1000.0 + 1000, running=False) is None  # each once only
    assert CHECK_DELAYS_S[0] <= 10  # while the node comes up, not a minute later
    assert max(CHECK_DELAYS_S) > UNKNOWN_BOUND_S


@pytest.mark.parametrize(
    ("name", "from_state"),
    [
        ("kafka-1", "STOPPED"),  # `up` starts it, or an operator restarts it cleanly
        ("command-handler", "EXITED"),
        ("postgres", "BACKOFF"),
    ],
)
def test_other_starts_schedule_nothing(name: str, from_state: str) -> None:
    schedule = CheckSchedule()
    assert not schedule.note_start(name, from_state, now=0.0)
    assert schedule.take(10_000.0, running=False) is None


def test_one_check_at_a_time_and_one_for_each_later_restart() -> None:
    schedule = CheckSchedule(delays_s=(100.0,))
    schedule.note_start("kafka-1", "EXITED", now=0.0)
    schedule.note_start("kafka-1", "BACKOFF", now=10.0)
    schedule.note_start("kafka-1", "EXITED", now=500.0)
    assert schedule.take(120.0, running=True) is None  # one still runs: wait for it
    both = schedule.take(120.0, running=False)
    assert both is not None
    assert both.count("restarted") == 2
    assert schedule.take(130.0, running=False) is None
    assert schedule.take(600.0, running=False) is not None  # the later restart's own check


def test_every_producer_asks_for_at_most_the_brokers_maximum_and_the_bound_exceeds_it() -> None:
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9092", security_protocol="PLAINTEXT")
    shared = producer_config(kafka, client_id="p", transactional_id="t")
    handler = CommandHandlerSettings(instance="0")
    assert int(shared["transaction.timeout.ms"]) <= TRANSACTION_MAX_TIMEOUT_MS
    assert handler.transaction_timeout_ms <= TRANSACTION_MAX_TIMEOUT_MS
    # A live transaction is aborted by its coordinator before its last write is that old.
    assert UNKNOWN_BOUND_S * 1000 > TRANSACTION_MAX_TIMEOUT_MS + TRANSACTION_ABORT_CHECK_MS


class FakeRunner(CheckRunner):
    def __init__(self) -> None:
        super().__init__({}, Path("/nonexistent"), Path())
        self.busy = False
        self.failures = 0
        self.reasons: list[str] = []

    def running(self) -> bool:
        return self.busy

    def failed(self) -> bool:
        if self.failures and not self.busy:
            self.failures -= 1
            return True
        return False

    def start(self, reason: str) -> int:
        self.reasons.append(reason)
        self.busy = True
        return 4242


class NoRpc:
    class supervisor:  # noqa: N801 (the shape of supervisord's XML-RPC proxy)
        @staticmethod
        def getAllProcessInfo() -> list[dict[str, Any]]:  # noqa: N802
            return []


def test_the_listener_schedules_on_a_kafka_restart_and_starts_the_check_at_a_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = FakeRunner()
    janitor, err = Janitor(runner), io.StringIO()
    recorder = Recorder(tmp_path / "processes.json")
    clock = [1000.0]
    monkeypatch.setattr("stack.supervision_events.time.time", lambda: clock[0])

    def event(name: str, payload: str) -> None:
        handle(name, payload, recorder, NoRpc(), frozenset(), err, janitor)

    start = "processname:kafka-1 groupname:kafka-1 from_state:{}"
    event("PROCESS_STATE_STARTING", start.format("STOPPED"))
    event("TICK_5", "when:1")
    event("PROCESS_STATE_STARTING", start.format("EXITED"))
    event("TICK_5", "when:2")
    assert runner.reasons == []
    clock[0] += CHECK_DELAYS_S[0]
    event("TICK_5", "when:3")
    event("TICK_5", "when:4")  # the first still runs: nothing more starts
    assert len(runner.reasons) == 1
    assert "kafka-1 restarted" in runner.reasons[0]
    assert "checking for hanging transactions (pid 4242" in err.getvalue()


def _layout(tmp_path: Path) -> StackLayout:
    return StackLayout(repo_dir=tmp_path, run_dir=tmp_path, cache_dir=tmp_path, ports=Ports(0))


def test_a_check_logs_one_line_per_abort_and_its_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = HangingTransaction("commands", 0, 17, 5, 2, 3, "command-handler-0 is CompleteCommit")
    seen: dict[str, Any] = {}

    def fake_check(
        layout: StackLayout,
        brokers: int,
        out: TextIO,
        *,
        abort: bool,
    ) -> list[HangingTransaction]:
        seen.update(abort=abort, brokers=brokers)
        out.write(f"kafka: aborted the hanging transaction on {hanging}\n")
        return [hanging]

    monkeypatch.setattr(transaction_janitor, "check_transactions", fake_check)
    layout = _layout(tmp_path)
    assert last_check_line(layout) == "hanging transactions: not checked yet"
    summary = run_check(layout, 1, "kafka-1 restarted at 07:00:00Z")
    assert seen == {"abort": True, "brokers": 1}
    assert summary.startswith("aborted 1 hanging transaction(s) on 1 broker(s)")
    lines = layout.log_file("transactions").read_text().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        "aborted the hanging transaction on commands-0 from offset 17"
        " (producer 5, epoch 2, last write 3 s ago; command-handler-0 is CompleteCommit)"
    )
    assert "kafka-1 restarted at 07:00:00Z" in lines[1]
    status = last_check_line(layout)
    assert "(kafka-1 restarted at 07:00:00Z): aborted 1 hanging transaction(s)" in status
    assert json.loads((layout.kafka_dir / "transactions-check.json").read_text())["aborted"] == 1


def test_a_failed_check_is_one_line_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> list[HangingTransaction]:
        raise OSError("java: not found")

    monkeypatch.setattr(transaction_janitor, "check_transactions", broken)
    summary = run_check(_layout(tmp_path), 3, "bank up")
    assert summary.startswith("check failed (java: not found); run ./bank transactions --abort")


def test_a_node_killed_rather_than_stopped_is_found_before_up_starts_it(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    cluster = layout.kafka_cluster_dir(3)
    for node in (1, 2, 3):
        (cluster / f"node-{node}" / "data").mkdir(parents=True)
        (cluster / f"node-{node}" / "data" / "meta.properties").write_text("node.id=1\n")
    (cluster / "node-2" / "data" / ".kafka_cleanshutdown").write_text("{}")  # `down` stopped it
    assert unclean_nodes(layout, 3, running=set()) == ["kafka-1", "kafka-3"]
    assert unclean_nodes(layout, 3, running={"kafka-1"}) == ["kafka-3"]  # a running one: no
    assert unclean_nodes(_layout(tmp_path / "fresh"), 1, running=set()) == []  # unformatted


def test_up_asks_the_listener_to_check_again_after_an_unclean_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transaction_janitor, "run_check", lambda *args: "no hanging (bank up)")
    calls: list[tuple[Any, ...]] = []
    out = io.StringIO()
    check_after_up(_layout(tmp_path), 1, ["kafka-1"], lambda *args: calls.append(args), out)
    assert calls == [("sendRemoteCommEvent", REQUEST_TYPE, "kafka-1 started after an unclean stop")]
    lines = out.getvalue().splitlines()
    assert lines[0] == "kafka transactions no hanging (bank up)"
    assert lines[1].startswith("kafka transactions kafka-1 had stopped uncleanly: checked again")

    runner = FakeRunner()
    janitor, err = Janitor(runner), io.StringIO()
    clock = [5000.0]
    monkeypatch.setattr("stack.supervision_events.time.time", lambda: clock[0])
    recorder = Recorder(tmp_path / "processes.json")
    payload = f"type:{REQUEST_TYPE}\n{calls[0][2]}"
    handle("REMOTE_COMMUNICATION", payload, recorder, NoRpc(), frozenset(), err, janitor)
    handle("TICK_5", "when:1", recorder, NoRpc(), frozenset(), err, janitor)
    assert runner.reasons == []
    clock[0] += CHECK_DELAYS_S[0]
    handle("TICK_5", "when:2", recorder, NoRpc(), frozenset(), err, janitor)
    assert len(runner.reasons) == 1
    assert runner.reasons[0].startswith("kafka-1 started after an unclean stop at ")


def test_a_failed_check_is_tried_again_a_minute_later() -> None:
    runner = FakeRunner()
    janitor, err = Janitor(runner), io.StringIO()
    janitor.started("kafka-1", "EXITED", 0.0, err)
    last = max(CHECK_DELAYS_S)
    for delay in CHECK_DELAYS_S:
        janitor.tick(delay, err)
        runner.busy = False
    assert len(runner.reasons) == len(CHECK_DELAYS_S)
    runner.failures = 1  # the last ended with exit 1
    janitor.tick(last + 5, err)
    assert len(runner.reasons) == len(CHECK_DELAYS_S)
    janitor.tick(last + 5 + RETRY_DELAY_S, err)
    assert runner.reasons[-1] == "a failed check"
    assert "the check failed: tried again at" in err.getvalue()
