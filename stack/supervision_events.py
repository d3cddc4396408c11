"""supervisord's event listener for the stack: restart counts, last exits, and no FATAL.

supervisord reports each program's state changes but keeps no restart count, and forgets an
exit status as soon as the program runs again. This listener, run by supervisord itself
(`[eventlistener:supervision-events]`), writes per program into `processes.json`:
`restarts` (automatic starts after an exit) and `last_exit` (`cause`, e.g. `SIGKILL` or
`exit 75`, read from supervisord's own log line for it; `at`, seconds since the epoch).

When a program dies, what is left of its process group is killed with SIGKILL, as supervisord
does when it stops a program (`killasgroup`): nginx's workers outlive a killed master and
would hold its port against the new one.

It also carries out the second half of the restart policy (`stack.supervisor_config`): at
every five-second tick it starts again any long-running program that supervisord gave up
on (FATAL), so a program waiting for a dependency is retried for as long as it takes.

When a Kafka node is restarted, it schedules a check for hanging transactions three
minutes later and starts it at a tick, as a detached child (`stack.transaction_janitor`).

Usage (by supervisord): `python -m stack.supervision_events STATE_FILE [--once NAME ...]
[--run-dir DIR --cache-dir DIR --port-offset N]`, where the `--once` programs are one-shots,
never revived, and the stack's folders and ports are those the checks run against.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from supervisor import childutils

from stack.layout import StackLayout
from stack.transaction_janitor import REQUEST_TYPE, CheckRunner, Janitor

__all__ = ["ProgramRecord", "Recorder", "exit_cause", "handle", "main"]

# A start after any of these is a restart; a start from STOPPED is `up` starting it.
_RESTART_FROM = frozenset({"EXITED", "BACKOFF", "FATAL"})
_EXIT_STATES = frozenset({"PROCESS_STATE_EXITED", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_STOPPED"})
_LOG_TAIL_BYTES = 8192

ProgramRecord = dict[str, Any]


def exit_cause(log_tail: str, name: str) -> str:
    """How `name` last ended, from supervisord's log: `SIGKILL`, `exit 75`, or `?`.

    supervisord logs `exited: NAME (terminated by SIGKILL; not expected)` or
    `stopped: NAME (exit status 0)` when it reaps a program.
    """
    pattern = re.compile(
        rf"(?:exited|stopped): {re.escape(name)} \((.*?)(?:; (?:not )?expected)?\)$"
    )
    causes = [m.group(1) for line in log_tail.splitlines() if (m := pattern.search(line))]
    if not causes:
        return "?"
    cause = causes[-1]
    if cause.startswith("terminated by "):
        return cause.removeprefix("terminated by ")
    if cause.startswith("exit status "):
        return "exit " + cause.removeprefix("exit status ")
    return cause


class Recorder:
    """The records of every program, kept in memory and written to `path` on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.records: dict[str, ProgramRecord] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.records = {}

    def record(self, name: str) -> ProgramRecord:
        return self.records.setdefault(name, {"restarts": 0, "last_exit": None})

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.records, indent=1, sort_keys=True) + "\n")
        temporary.replace(self.path)


def handle(
    event: str,
    payload: str,
    recorder: Recorder,
    rpc: Any,
    once: frozenset[str],
    err: TextIO,
    janitor: Janitor | None = None,
) -> None:
    if event.startswith("TICK_"):
        if janitor is not None:
            janitor.tick(time.time(), err)
        for info in rpc.supervisor.getAllProcessInfo():
            if info["statename"] == "FATAL" and info["name"] not in once:
                err.write(f"{info['name']} was given up on (FATAL): starting it again\n")
                rpc.supervisor.startProcess(info["name"], False)
        return
    headers = childutils.get_headers(payload.split("\n", 1)[0])
    if event == "REMOTE_COMMUNICATION":
        if janitor is not None and headers.get("type") == REQUEST_TYPE:
            janitor.requested(payload.split("\n", 1)[-1].strip(), time.time(), err)
        return
    name = headers.get("processname", "")
    if not name or name in once:
        return
    if event == "PROCESS_STATE_STARTING" and headers.get("from_state") in _RESTART_FROM:
        recorder.record(name)["restarts"] += 1
        recorder.save()
        if janitor is not None:
            janitor.started(name, headers["from_state"], time.time(), err)
    elif event in _EXIT_STATES:
        if event == "PROCESS_STATE_EXITED" and (pid := int(headers.get("pid", "0"))) > 1:
            _kill_leftovers(name, pid, err)
        tail = rpc.supervisor.readLog(-_LOG_TAIL_BYTES, 0)
        recorder.record(name)["last_exit"] = {"cause": exit_cause(tail, name), "at": time.time()}
        recorder.save()


def _kill_leftovers(name: str, pid: int, err: TextIO) -> None:
    # supervisord made the program the leader of its own process group, and a group id is
    # not given to a new process while members remain: whatever is left is the program's.
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    err.write(f"{name} (pid {pid}) died; killed what was left of its process group\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.supervision_events")
    parser.add_argument("state_file", type=Path)
    parser.add_argument("--once", nargs="*", default=[], help="one-shot programs")
    parser.add_argument("--run-dir", help="the stack's OPEN_BANK_RUN_DIR, for checks")
    parser.add_argument("--cache-dir", help="its OPEN_BANK_CACHE_DIR")
    parser.add_argument("--port-offset", default="0", help="its OPEN_BANK_PORT_OFFSET")
    args = parser.parse_args(argv)
    recorder = Recorder(args.state_file)
    rpc = childutils.getRPCInterface(os.environ)
    once = frozenset(args.once)
    janitor = None
    if args.run_dir:
        environ = {
            **os.environ,
            "OPEN_BANK_RUN_DIR": args.run_dir,
            "OPEN_BANK_CACHE_DIR": args.cache_dir or "",
            "OPEN_BANK_PORT_OFFSET": args.port_offset,
        }
        log = StackLayout.from_environ(environ).log_file("transactions")
        janitor = Janitor(CheckRunner(environ, log, Path.cwd()))
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        try:
            handle(headers["eventname"], payload, recorder, rpc, once, sys.stderr, janitor)
        except Exception as exc:  # noqa: BLE001 (a failed record must not stop the events)
            sys.stderr.write(f"event {headers['eventname']} not recorded: {exc!r}\n")
        sys.stderr.flush()
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
