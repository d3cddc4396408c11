"""CPU and memory of every component the stack started, read from /proc with psutil.

One method for every component, Python or not (Kafka, the registry, PostgreSQL, nginx
have no Prometheus endpoint of their own, and the handler's and backend's own registries
carry no process collector): a component is the process in its pid file and all its
descendants (PostgreSQL's backends, nginx's workers), RSS summed over them (shared pages
counted in each, an upper bound), as the benchmark measures it (bench/resources.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import psutil

from backend.dashboard.sample import Usage

__all__ = ["component_pids", "component_usage"]

# The stack writes create_time rounded to 10 ms; a pid whose process started at another
# time was reused by someone else (after a reboot, say) and is not ours.
_START_TIME_TOLERANCE_S = 1.0


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


def _usage(root: psutil.Process) -> Usage:
    cpu = 0.0
    rss = 0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        tree = [root]
    for process in tree:
        try:
            with process.oneshot():
                times = process.cpu_times()
                # children_*: descendants that exited and were waited for (PostgreSQL's
                # closed connections), so the sum never goes down while the root runs.
                cpu += times.user + times.system + times.children_user + times.children_system
                rss += process.memory_info().rss
        except psutil.Error:
            continue  # exited between the listing and the reading
    return Usage(cpu_seconds=cpu, rss_bytes=rss)


def component_usage(pids_dir: Path) -> dict[str, Usage]:
    """CPU seconds so far and RSS of each running component, by stack name."""
    usage: dict[str, Usage] = {}
    for name, pid in component_pids(pids_dir).items():
        try:
            usage[name] = _usage(psutil.Process(pid))
        except psutil.Error:
            continue
    return usage
