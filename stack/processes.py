"""Processes recorded in `.run/pids` by a version of the stack before supervision.

That version started each process itself, in a session of its own, and recorded its pid and
start time in a pid file (after a reboot a pid may belong to a stranger). supervisord runs
everything now (`stack.supervision`); this module only stops what such an older version left
running, so `up` and `down` take over a stack started before the change.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from typing import TextIO

import psutil

from stack.layout import StackLayout

__all__ = ["group_alive", "stop_recorded"]

# SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
_STOP_SIGNALS = {"postgres": signal.SIGINT}
# Two processes started within this many seconds of each other count as the same start.
_START_TIME_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class RunningProcess:
    """A process the stack started and that still runs."""

    name: str
    pid: int
    started_at: float  # seconds since the epoch, as psutil reports it


def _read_running(layout: StackLayout, name: str) -> RunningProcess | None:
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


def _remove_pid_file(layout: StackLayout, name: str) -> None:
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


def _stop(
    layout: StackLayout, name: str, *, stop_signal: int = signal.SIGTERM, timeout_s: float = 30.0
) -> bool:
    """Stop component `name`: `stop_signal` to its leader, then SIGKILL to what is left.

    Only the leader gets the polite signal, since it knows how to stop its children (the
    postmaster, the nginx master). Whatever is left of its process group and descendants
    after `timeout_s` seconds is killed. Returns True if something was running.
    """
    running = _read_running(layout, name)
    if running is None:
        _remove_pid_file(layout, name)
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
    _remove_pid_file(layout, name)
    return True


def stop_recorded(layout: StackLayout, out: TextIO) -> list[str]:
    """Stop every process an older version recorded (all signalled first, so they shut down
    in parallel), remove the pid files; the names of those that ran."""
    names = sorted(path.stem for path in layout.pids_dir.glob("*.json"))
    running = {name: found for name in names if (found := _read_running(layout, name))}
    for name, process in running.items():
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, _STOP_SIGNALS.get(name, signal.SIGTERM))
    for name in names:
        _stop(layout, name, stop_signal=_STOP_SIGNALS.get(name, signal.SIGTERM), timeout_s=45.0)
        if name in running:
            out.write(f"{name:<18} stopped (started by an older version, without supervision)\n")
    return list(running)
