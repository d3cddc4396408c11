"""Hanging Kafka transactions aborted without an operator: when to look, and the look itself.

A SIGKILLed broker can leave a hanging transaction as it starts again (docs/reliability.md).
When supervisord restarts a Kafka node (a crash, a SIGKILL), the event listener schedules
checks at `CHECK_DELAYS_S` after the restart: the first ones catch a transaction its
coordinator has ended without it as soon as the node answers; the last one, past
`stack.hanging_transactions.UNKNOWN_BOUND_S`, also one no coordinator knows. Each check
runs as a detached child (`python -m stack.transaction_janitor`), one at a time; checks
that fall due while one runs are covered by the next. `./bank up` checks once at its end; a
node it starts after an unclean stop (a power cut: no `.kafka_cleanshutdown` in its data)
gets the same series, which `up` asks the listener for (`REQUEST_TYPE`, a supervisord
REMOTE_COMMUNICATION event). Each check appends its lines to `logs/transactions.log` (one
per abort) and keeps its outcome in `kafka/transactions-check.json` for `status`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, TextIO

from stack.errors import StackError
from stack.hanging_transactions import UNKNOWN_BOUND_S
from stack.layout import StackLayout
from stack.transactions import check_transactions

__all__ = [
    "CHECK_DELAYS_S",
    "REQUEST_TYPE",
    "RETRY_DELAY_S",
    "CheckRunner",
    "CheckSchedule",
    "Janitor",
    "check_after_up",
    "last_check_line",
    "run_check",
    "unclean_nodes",
]

#: Checks run this long after a Kafka node's restart: every few seconds while the node
#: comes up and its coordinators load (a node answers 6-8 s after its start), then once past
#: the bound for transactions no coordinator knows (their last write came before the kill).
CHECK_DELAYS_S = (10.0, 15.0, 20.0, 25.0, 35.0, 50.0, UNKNOWN_BOUND_S + 10.0)
#: A check that failed (Kafka down again, the tool timed out) is tried again this much later.
RETRY_DELAY_S = 60.0
#: The type of supervisord's REMOTE_COMMUNICATION event by which `up` asks for a check.
REQUEST_TYPE = "transactions-check"
# Kafka writes it into each log folder when it stops cleanly, and removes it when it starts.
_CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown"
# supervisord's states a program restarts from; a start from STOPPED is `up` or an operator.
_RESTART_FROM = frozenset({"EXITED", "BACKOFF", "FATAL"})


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%SZ", time.gmtime(at))


@dataclass
class CheckSchedule:
    """When checks are due (pure): a series per restart of a Kafka node, `delays_s` after
    it; a check that runs covers every one due by then."""

    delays_s: tuple[float, ...] = CHECK_DELAYS_S
    due: list[tuple[float, str]] = field(default_factory=list)

    def note_start(self, name: str, from_state: str, now: float) -> bool:
        """A program is starting; True if that schedules checks (a Kafka node's restart)."""
        if not name.startswith("kafka-") or from_state not in _RESTART_FROM:
            return False
        self.request(f"{name} restarted", now)
        return True

    def request(self, what: str, now: float) -> None:
        """Checks for `what`, which happened now (a restart, or `up` asking)."""
        self.due += [(now + delay, f"{what} at {_clock(now)}") for delay in self.delays_s]

    @property
    def last_s(self) -> float:
        """How long after its cause the series' last check is due."""
        return max(self.delays_s)

    def take(self, now: float, *, running: bool) -> str | None:
        """The reason of the check to start now, or None: nothing due, or one still runs."""
        ready = [reason for at, reason in self.due if at <= now]
        if running or not ready:
            return None
        self.due = [(at, reason) for at, reason in self.due if at > now]
        return "; ".join(dict.fromkeys(ready))


def unclean_nodes(layout: StackLayout, brokers: int, running: Container[str]) -> list[str]:
    """The Kafka nodes not `running` whose data says they did not stop cleanly (killed)."""
    unclean = []
    for node in range(1, brokers + 1):
        data = layout.kafka_cluster_dir(brokers) / f"node-{node}" / "data"
        formatted = (data / "meta.properties").exists()
        clean = (data / _CLEAN_SHUTDOWN_FILE).exists()
        if f"kafka-{node}" not in running and formatted and not clean:
            unclean.append(f"kafka-{node}")
    return unclean


def _record_path(layout: StackLayout) -> Path:
    return layout.kafka_dir / "transactions-check.json"


def run_check(layout: StackLayout, brokers: int, reason: str) -> str:
    """Find and abort what hangs; append the lines to `transactions.log`, keep the outcome
    for `status`, and return the one-line outcome. Never raises for a failed tool."""
    started = time.time()
    found = StringIO()
    try:
        hanging = check_transactions(layout, brokers, found, abort=True)
        if hanging:
            outcome = f"aborted {len(hanging)} hanging transaction(s) on {brokers} broker(s)"
        else:
            outcome = f"no hanging transaction on {brokers} broker(s)"
        ok = True
    except (StackError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        outcome = f"check failed ({str(exc)[:300]}); run ./bank transactions --abort"
        ok, hanging = False, []
    took = time.time() - started
    summary = f"{outcome} ({reason}; {took:.1f} s)"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = [*found.getvalue().splitlines(), summary]
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    with layout.log_file("transactions").open("a") as log:
        log.writelines(f"{stamp} {line}\n" for line in lines)
    record = {"at": started, "reason": reason, "outcome": outcome, "ok": ok}
    record["aborted"] = len(hanging)
    path = _record_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record) + "\n")
    return summary


def check_after_up(
    layout: StackLayout, brokers: int, unclean: list[str], rpc: Callable[..., Any], out: TextIO
) -> None:
    """`up`'s check, once Kafka answers, in one line; never a failed start. For nodes that
    had stopped uncleanly (`unclean_nodes`, before `up` started them), the listener is asked
    through `rpc` (supervisord's XML-RPC call) for a check once the bound has passed."""
    out.write(f"{'kafka transactions':<18} {run_check(layout, brokers, 'bank up')}\n")
    for name in unclean:
        rpc("sendRemoteCommEvent", REQUEST_TYPE, f"{name} started after an unclean stop")
        due = _clock(time.time() + CheckSchedule().last_s)
        out.write(
            f"{'kafka transactions':<18} {name} had stopped uncleanly: checked again until {due}\n"
        )
    out.flush()


def last_check_line(layout: StackLayout) -> str:
    """`status`'s line about the last check, from its record."""
    try:
        record: dict[str, Any] = json.loads(_record_path(layout).read_text())
        at = _clock(float(record["at"]))
        return f"hanging transactions: last check {at} ({record['reason']}): {record['outcome']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "hanging transactions: not checked yet"


class CheckRunner:
    """Runs `python -m stack.transaction_janitor` as a detached child at a lower CPU
    priority, never waiting on it."""

    def __init__(self, environ: Mapping[str, str], log: Path, cwd: Path) -> None:
        self.environ = dict(environ)
        self.log = log
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def running(self) -> bool:
        # poll() also reaps a finished child, so none is left a zombie.
        return self.process is not None and self.process.poll() is None

    def failed(self) -> bool:
        """True once when the last check has ended with a failure."""
        if self.process is None or self.process.poll() in (None, 0):
            return False
        self.process = None
        return True

    def start(self, reason: str) -> int:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                # At a lower priority: the checks run while the bank recovers from the same
                # restart, and must not take its CPU (`nice` execs, so the pid is the check's).
                [
                    "nice",
                    "-n",
                    "10",
                    sys.executable,
                    "-m",
                    "stack.transaction_janitor",
                    "--reason",
                    reason,
                ],
                cwd=self.cwd,
                env=self.environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.process.pid


@dataclass
class Janitor:
    """The event listener's part: schedule on restarts, start what is due on ticks."""

    runner: CheckRunner
    schedule: CheckSchedule = field(default_factory=CheckSchedule)

    def requested(self, what: str, now: float, err: TextIO) -> None:
        self.schedule.request(what, now)
        due = _clock(now + self.schedule.last_s)
        err.write(f"{what}: hanging transactions checked until {due}\n")

    def started(self, name: str, from_state: str, now: float, err: TextIO) -> None:
        if self.schedule.note_start(name, from_state, now):
            due = _clock(now + self.schedule.last_s)
            err.write(f"{name} restarted: hanging transactions checked until {due}\n")

    def tick(self, now: float, err: TextIO) -> None:
        if self.runner.failed():
            self.schedule.due.append((now + RETRY_DELAY_S, "a failed check"))
            err.write(f"the check failed: tried again at {_clock(now + RETRY_DELAY_S)}\n")
        reason = self.schedule.take(now, running=self.runner.running())
        if reason is not None:
            pid = self.runner.start(reason)
            err.write(f"checking for hanging transactions (pid {pid}; {reason})\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.transaction_janitor")
    parser.add_argument("--reason", default="asked")
    args = parser.parse_args(argv)
    from stack.state import read_state

    layout = StackLayout.from_environ()
    summary = run_check(layout, read_state(layout).brokers, args.reason)
    return 0 if not summary.startswith("check failed") else 1


if __name__ == "__main__":
    sys.exit(main())
