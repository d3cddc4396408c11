"""The event listener's bookkeeping, fed the events supervisord sends, with a fake of its
XML-RPC interface: restarts counted, last exits read from supervisord's log lines, FATAL
programs started again, one-shots left alone."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from stack.supervision_events import Recorder, exit_cause, handle

LOG = "\n".join(
    [
        "2026-12-06 06:46:21,907 WARN exited: kafka-10 (exit status 1; not expected)",
        "2026-12-06 06:46:21,908 WARN exited: kafka-1 (terminated by SIGKILL; not expected)",
        "2026-12-06 06:46:21,925 INFO spawned: 'kafka-1' with pid 7487",
        "2026-12-06 06:47:02,646 WARN exited: command-handler (exit status 75; not expected)",
        "2026-12-06 06:48:00,000 INFO stopped: backend (exit status 0)",
        "2026-12-06 06:48:01,000 INFO exited: synchronizer (exit status 0; expected)",
    ]
)


def test_the_cause_of_each_programs_last_exit_is_read_from_its_own_line() -> None:
    assert exit_cause(LOG, "kafka-1") == "SIGKILL"
    assert exit_cause(LOG, "kafka-10") == "exit 1"
    assert exit_cause(LOG, "command-handler") == "exit 75"
    assert exit_cause(LOG, "backend") == "exit 0"
    assert exit_cause(LOG, "synchronizer") == "exit 0"
    assert exit_cause(LOG, "nginx") == "?"


class FakeRpc:
    """supervisor's XML-RPC namespace: the calls the listener makes, recorded."""

    def __init__(self, infos: list[dict[str, Any]] | None = None) -> None:
        self.supervisor = self
        self.infos = infos or []
        self.started: list[str] = []

    def getAllProcessInfo(self) -> list[dict[str, Any]]:  # noqa: N802 (supervisor's name)
        return self.infos

    def startProcess(self, name: str, wait: bool) -> bool:  # noqa: N802 (supervisor's name)
        self.started.append(name)
        return True

    def readLog(self, offset: int, length: int) -> str:  # noqa: N802 (supervisor's name)
        return LOG


def _state(name: str, from_state: str, **extra: str) -> str:
    fields = {"processname": name, "groupname": name, "from_state": from_state, **extra}
    return " ".join(f"{key}:{value}" for key, value in fields.items())


def test_starts_after_an_exit_are_restarts_and_the_exit_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "processes.json"
    recorder, rpc, err = Recorder(path), FakeRpc(), io.StringIO()
    once = frozenset({"synchronizer"})
    events = [
        ("PROCESS_STATE_STARTING", _state("kafka-1", "STOPPED")),  # `up` starts it
        ("PROCESS_STATE_RUNNING", _state("kafka-1", "STARTING")),
        # pid 1 is never killed as a leftover group
        ("PROCESS_STATE_EXITED", _state("kafka-1", "RUNNING", expected="0", pid="1")),
        ("PROCESS_STATE_STARTING", _state("kafka-1", "EXITED")),
        ("PROCESS_STATE_BACKOFF", _state("kafka-1", "STARTING")),
        ("PROCESS_STATE_STARTING", _state("kafka-1", "BACKOFF")),
        ("PROCESS_STATE_STARTING", _state("synchronizer", "EXITED")),
    ]
    for event, payload in events:
        handle(event, payload, recorder, rpc, once, err)

    saved = json.loads(path.read_text())
    assert saved["kafka-1"]["restarts"] == 2
    assert saved["kafka-1"]["last_exit"]["cause"] == "SIGKILL"
    assert "synchronizer" not in saved
    assert Recorder(path).records == saved  # a restarted listener goes on counting


def test_a_tick_starts_again_what_supervisord_gave_up_on_but_no_one_shot(
    tmp_path: Path,
) -> None:
    rpc = FakeRpc(
        [
            {"name": "backend", "statename": "FATAL"},
            {"name": "nginx", "statename": "RUNNING"},
            {"name": "synchronizer", "statename": "FATAL"},
        ]
    )
    err = io.StringIO()
    handle("TICK_5", "when:1", Recorder(tmp_path / "p.json"), rpc, frozenset({"synchronizer"}), err)
    assert rpc.started == ["backend"]
    assert "backend was given up on" in err.getvalue()
