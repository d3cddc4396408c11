"""`status`: each component with its ports, pid and health, in start order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from stack.components import plan
from stack.history_size import history_line
from stack.layout import StackLayout
from stack.ports import LOOPBACK
from stack.processes import read_running
from stack.services import SERVICES, available_services
from stack.state import read_state

__all__ = ["ComponentStatus", "collect_status", "print_status"]


@dataclass(frozen=True)
class ComponentStatus:
    """What `status` knows about one component."""

    name: str
    ports: tuple[int, ...]
    pid: int | None
    health: str  # "healthy", "unhealthy", "stopped", "one-shot", "not built yet"

    @property
    def ok(self) -> bool:
        return self.health in {"healthy", "one-shot", "not built yet"}


def collect_status(layout: StackLayout) -> list[ComponentStatus]:
    """The status of every component the stack would run, in start order."""
    statuses = []
    for group in plan(layout, read_state(layout).brokers, services=True):
        for component in group.components:
            running = read_running(layout, component.name)
            if component.one_shot:
                health = "one-shot"
            elif running is None:
                health = "stopped"
            else:
                health = "healthy" if component.healthy() else "unhealthy"
            statuses.append(
                ComponentStatus(
                    component.name, component.ports, running.pid if running else None, health
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
    out.write(f"{'component':<26} {'health':<14} {'pid':<8} ports\n")
    for status in statuses:
        pid = str(status.pid) if status.pid else "-"
        ports = ", ".join(f"{LOOPBACK}:{port}" for port in status.ports) or "-"
        out.write(f"{status.name:<26} {status.health:<14} {pid:<8} {ports}\n")
    healthy = all(status.ok for status in statuses)
    out.write(history_line(layout) + "\n")
    out.write(f"run folder: {layout.run_dir}\n")
    return healthy
