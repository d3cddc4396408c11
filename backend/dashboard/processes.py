"""CPU and memory of every component the stack started, read from /proc by pid.

One method for every component, Python or not (Kafka, the registry, PostgreSQL, nginx
have no Prometheus endpoint of their own, and the handler's and backend's own registries
carry no process collector): a component is the process in its pid file and all its
descendants (PostgreSQL's backends, nginx's workers), RSS summed over them (shared pages
counted in each, an upper bound), as the benchmark measures it (bench/resources.py).
Each process is one read of /proc/<pid>/stat and its children come from
/proc/<pid>/task/*/children: under 10 ms of CPU a second for the whole stack (mostly the
JVMs' thread directories), where psutil's ``children()`` scans every process of the
machine for each component (60 ms).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import psutil

from backend.dashboard.sample import Usage

__all__ = ["component_pids", "component_usage"]

# The stack writes create_time rounded to 10 ms; a pid whose process started at another
# time was reused by someone else (after a reboot, say) and is not ours.
_START_TIME_TOLERANCE_S = 1.0
_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def component_pids(pids_dir: Path) -> dict[str, int]:
    """The stack's running components and their root pids.

    The only code that knows the stack's pid files (``<run dir>/pids/<name>.json`` holding
    ``pid`` and ``started_at``, written by stack/processes.py): if their format changes,
    this function changes, nothing else.
    """
    found: dict[str, int] = {}
    for path in sorted(pids_dir.glob("*.json")):
        try:
            record = json.loads(path.read_text())
            pid, started_at = int(record["pid"]), float(record["started_at"])
            process = psutil.Process(pid)
            if abs(process.create_time() - started_at) > _START_TIME_TOLERANCE_S:
                continue
        except (OSError, ValueError, KeyError, TypeError, psutil.Error):
            continue  # gone, half written, or not the process the stack started
        found[path.stem] = pid
    return found


def _children(pid: int) -> list[int]:
    """Direct children of every thread of ``pid`` (the kernel lists them per thread);
    a direct read, not a scan of every process on the machine."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                children += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass  # exited meanwhile
    return children


def _own_usage(pid: int) -> tuple[float, int] | None:
    """CPU seconds and RSS bytes of one process from /proc/<pid>/stat; None if gone.

    CPU counts the children it waited for too (cutime, cstime: PostgreSQL's closed
    connections), so a component's sum never goes down while its root runs."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces), from field 3 (state) on.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / _TICKS_PER_S, int(fields[21]) * _PAGE_BYTES


def _usage(root: int) -> Usage | None:
    cpu, rss, found = 0.0, 0, False
    pending = [root]
    while pending:
        pid = pending.pop()
        own = _own_usage(pid)
        if own is None:
            continue
        found = True
        cpu += own[0]
        rss += own[1]
        pending += _children(pid)
    return Usage(cpu_seconds=cpu, rss_bytes=rss) if found else None


def component_usage(pids_dir: Path) -> dict[str, Usage]:
    """CPU seconds so far and RSS of each running component, by stack name."""
    usage: dict[str, Usage] = {}
    for name, pid in component_pids(pids_dir).items():
        found = _usage(pid)
        if found is not None:
            usage[name] = found
    return usage
