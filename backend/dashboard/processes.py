"""CPU and memory of every component the stack runs, by the pids supervisord reports.

One method for every component, Python or not (Kafka, the registry, PostgreSQL, nginx
have no Prometheus endpoint of their own, and the handler's and backend's own registries
carry no process collector): a component is the process supervisord started and all its
descendants (PostgreSQL's backends, nginx's workers), RSS summed over them (shared pages
counted in each, an upper bound), as the benchmark measures it (bench/resources.py).
The machine's processes are read once per sample (one psutil scan), not once per
component.
"""

from __future__ import annotations

import xmlrpc.client
from collections import defaultdict
from pathlib import Path
from typing import Any, cast

import psutil
from supervisor.xmlrpc import SupervisorTransport

from backend.dashboard.sample import Usage

__all__ = ["component_pids", "component_usage"]


def component_pids(socket: Path) -> dict[str, int]:
    """The stack's running components and their pids, asked of supervisord over its unix
    socket (its XML-RPC `getAllProcessInfo`); empty when supervisord does not answer."""
    if not socket.exists():
        return {}
    transport = SupervisorTransport(None, None, f"unix://{socket}")
    # The host part is ignored: the transport talks to the unix socket.
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
    try:
        infos = cast(list[dict[str, Any]], proxy.supervisor.getAllProcessInfo())
    except (OSError, xmlrpc.client.Error):
        return {}
    finally:
        transport.close()
    return {str(info["name"]): int(info["pid"]) for info in infos if int(info["pid"]) > 0}


def _own_usage(process: psutil.Process) -> tuple[float, int] | None:
    """CPU seconds and RSS bytes of one process; None if it is gone.

    CPU counts the children it waited for too (PostgreSQL's closed connections), so a
    component's sum never goes down while its root runs."""
    try:
        with process.oneshot():
            times = process.cpu_times()
            rss = process.memory_info().rss
    except psutil.Error:
        return None
    cpu = times.user + times.system + times.children_user + times.children_system
    return cpu, rss


def component_usage(socket: Path) -> dict[str, Usage]:
    """CPU seconds so far and RSS of each running component, by stack name."""
    roots = component_pids(socket)
    if not roots:
        return {}
    children: dict[int, list[psutil.Process]] = defaultdict(list)
    by_pid: dict[int, psutil.Process] = {}
    for process in psutil.process_iter(["ppid"]):
        by_pid[process.pid] = process
        children[process.info["ppid"]].append(process)
    usage: dict[str, Usage] = {}
    for name, root in roots.items():
        cpu, rss, found = 0.0, 0, False
        pending = [by_pid[root]] if root in by_pid else []
        while pending:
            process = pending.pop()
            own = _own_usage(process)
            if own is None:
                continue
            found = True
            cpu += own[0]
            rss += own[1]
            pending += children.get(process.pid, [])
        if found:
            usage[name] = Usage(cpu_seconds=cpu, rss_bytes=rss)
    return usage
