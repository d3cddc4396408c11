"""Starting and stopping the stack's processes: own session, own log, a pid file.

Each process is started in a session of its own (so it is the leader of its process group)
with stdout and stderr appended to `.run/logs/<name>.log`. The pid file records the pid and
the process's start time: after a reboot a pid may belong to a stranger, and `down` must stop
exactly what the stack started and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from stack.layout import StackLayout

__all__ = [
    "RunningProcess",
    "group_alive",
    "read_running",
    "remove_pid_file",
    "spawn",
    "stop",
]

# Two processes started within this many seconds of each other count as the same start.
_START_TIME_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class RunningProcess:
    """A process the stack started and that still runs."""

    name: str
    pid: int
    started_at: float  # seconds since the epoch, as psutil reports it


def spawn(
    layout: StackLayout,
    name: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` as component `name` in its own session and record its pid file."""
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    layout.pids_dir.mkdir(parents=True, exist_ok=True)
    log_path = layout.log_file(name)
    with log_path.open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting {name}\n".encode())
        log.flush()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
        )
    started_at = psutil.Process(process.pid).create_time()
    record = {"pid": process.pid, "started_at": started_at, "argv": list(argv)}
    layout.pid_file(name).write_text(json.dumps(record) + "\n")
    return process


def read_running(layout: StackLayout, name: str) -> RunningProcess | None:
    """The process recorded for `name` if it still runs and is the one the stack started."""
    path = layout.pid_file(name)
    try:
        record = json.loads(path.read_text())
        pid, started_at = int(record["pid"]), float(record["started_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started_at) > _START_TIME_TOLERANCE_S:
            return None  # the pid was reused by another program (e.g. after a reboot)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.Error:
        return None
    return RunningProcess(name=name, pid=pid, started_at=started_at)


def remove_pid_file(layout: StackLayout, name: str) -> None:
    layout.pid_file(name).unlink(missing_ok=True)


def group_alive(pgid: int) -> bool:
    """True while any process of process group `pgid` exists (zombies excluded)."""
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


def _descendants(pid: int) -> list[psutil.Process]:
    # PostgreSQL's backends call setsid(): they leave the postmaster's process group, so
    # the group alone does not name everything a component started.
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop(
    layout: StackLayout, name: str, *, stop_signal: int = signal.SIGTERM, timeout_s: float = 30.0
) -> bool:
    """Stop component `name`: `stop_signal` to its leader, then SIGKILL to what is left.

    Only the leader gets the polite signal, since it knows how to stop its children (the
    postmaster, the nginx master). Whatever is left of its process group and descendants
    after `timeout_s` seconds is killed. Returns True if something was running.
    """
    running = read_running(layout, name)
    if running is None:
        remove_pid_file(layout, name)
        return False
    descendants = _descendants(running.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(running.pid, stop_signal)

    def anything_left() -> bool:
        return group_alive(running.pid) or any(_alive(child) for child in descendants)

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and anything_left():
        time.sleep(0.1)
    if anything_left():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGKILL)
        for child in descendants:
            with contextlib.suppress(psutil.Error):
                child.kill()
        while anything_left() and time.monotonic() < deadline + 5:
            time.sleep(0.1)
    remove_pid_file(layout, name)
    return True
