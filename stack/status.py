"""`status`: each component with its health, pid, supervisord's state, restarts and last
exit, and its ports, in start order.

The state and pid are supervisord's (`getProcessInfo`); restarts and the last exit are what
its event listener recorded (`stack.supervision_events`) since supervisord started.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, TextIO

from stack.components import plan
from stack.history_size import history_line
from stack.layout import StackLayout
from stack.ports import LOOPBACK
from stack.services import SERVICES, available_services
from stack.state import read_state
from stack.supervision import Supervisor
from stack.transaction_janitor import last_check_line

__all__ = ["ComponentStatus", "collect_status", "format_exit", "print_status"]


@dataclass(frozen=True)
class ComponentStatus:
    """What `status` knows about one component."""

    name: str
    ports: tuple[int, ...]
    pid: int | None
    health: str  # "healthy", "unhealthy", "stopped", "one-shot", "not built yet"
    state: str = "-"  # supervisord's: RUNNING, STARTING, BACKOFF, EXITED, FATAL, STOPPED...
    restarts: int = 0
    last_exit: str = "-"  # e.g. "SIGKILL at 06:41:07Z"

    @property
    def ok(self) -> bool:
        return self.health in {"healthy", "one-shot", "not built yet"}


def format_exit(record: dict[str, Any] | None) -> str:
    """`SIGKILL at 06:41:07Z` from the listener's record of a last exit; `-` for none."""
    if not record:
        return "-"
    at = time.strftime("%H:%M:%SZ", time.gmtime(float(record["at"])))
    return f"{record['cause']} at {at}"


def _records(supervisor: Supervisor) -> dict[str, dict[str, Any]]:
    try:
        loaded = json.loads(supervisor.paths.events_file.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def collect_status(layout: StackLayout) -> list[ComponentStatus]:
    """The status of every component the stack would run, in start order."""
    supervisor = Supervisor(layout)
    infos = supervisor.all_info()
    records = _records(supervisor)
    statuses = []
    for group in plan(layout, read_state(layout).brokers, services=True):
        for component in group.components:
            info = infos.get(component.name)
            pid = info.pid if info is not None else None
            if component.one_shot:
                health = "one-shot"
            elif pid is None:
                health = "stopped"
            else:
                health = "healthy" if component.healthy() else "unhealthy"
            record = records.get(component.name, {})
            statuses.append(
                ComponentStatus(
                    component.name,
                    component.ports,
                    pid,
                    health,
                    state=info.state if info is not None else "-",
                    restarts=int(record.get("restarts", 0)),
                    last_exit=format_exit(record.get("last_exit")),
                )
            )
    built = {spec.name for spec in available_services(layout.repo_dir)}
    for spec in SERVICES:
        if spec.name not in built:
            port = spec.port(layout.ports)
            ports = () if port is None else (port,)
            statuses.append(ComponentStatus(spec.name, ports, None, "not built yet"))
    return statuses


def print_status(layout: StackLayout, out: TextIO) -> bool:
    """Print the status table; True if every component that should run is healthy."""
    statuses = collect_status(layout)
    out.write(
        f"{'component':<26} {'health':<14} {'pid':<8} {'state':<9} {'restarts':<8} "
        f"{'last exit':<22} ports\n"
    )
    for status in statuses:
        pid = str(status.pid) if status.pid else "-"
        ports = ", ".join(f"{LOOPBACK}:{port}" for port in status.ports) or "-"
        out.write(
            f"{status.name:<26} {status.health:<14} {pid:<8} {status.state:<9} "
            f"{status.restarts:<8} {status.last_exit:<22} {ports}\n"
        )
    healthy = all(status.ok for status in statuses)
    out.write(history_line(layout) + "\n")
    out.write(last_check_line(layout) + "\n")
    supervisor = Supervisor(layout)
    running = supervisor.running()
    where = f"supervisord on {supervisor.paths.socket}" if running else "no supervisord"
    out.write(f"run folder: {layout.run_dir} ({where})\n")
    return healthy
