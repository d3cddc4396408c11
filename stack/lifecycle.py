"""`up` and `down`: start what is not running, in order, and stop exactly what was started.

`up` is idempotent: a component whose recorded process still runs and answers its health
check is left alone. A component that is not running gets its ports checked (a stranger on
one is a one-line error), is prepared (downloads, formatting, rendering), started in its own
session and awaited with a bounded wait. Every failure is a `StackError` naming cause, fix
and log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import TextIO

from stack.components import Component, StartGroup, base_environ, plan
from stack.errors import StackError
from stack.health import port_open
from stack.layout import StackLayout
from stack.ports import LOOPBACK
from stack.processes import read_running, remove_pid_file, spawn, stop
from stack.state import StackState, read_state, write_state

__all__ = ["down", "up"]

_POLL_S = 0.25


def _check_ports_free(layout: StackLayout, component: Component) -> None:
    for port in component.ports:
        if port_open(port):
            raise StackError(
                f"port {port} ({component.name}) is already in use by another program",
                "stop that program, or move the whole stack with OPEN_BANK_PORT_OFFSET=<n>",
                layout.log_file(component.name),
            )


def _wait_healthy(
    layout: StackLayout, component: Component, process: subprocess.Popen[bytes] | None
) -> None:
    deadline = time.monotonic() + component.ready_timeout_s
    log = layout.log_file(component.name)
    while time.monotonic() < deadline:
        if component.healthy():
            return
        if process is not None and process.poll() is not None:
            raise StackError(
                f"{component.name} exited with code {process.returncode} while starting",
                component.fix_hint,
                log,
            )
        time.sleep(_POLL_S)
    raise StackError(
        f"{component.name} did not become healthy within {component.ready_timeout_s:.0f} s",
        f"{component.fix_hint}, then ./bank down && ./bank up",
        log,
    )


def _run_one_shot(layout: StackLayout, component: Component, out: TextIO) -> None:
    started = time.monotonic()
    argv = component.prepare(out)
    env = base_environ() | component.extra_env()
    process = spawn(layout, component.name, argv, env=env, cwd=component.cwd, user=component.user)
    try:
        code = process.wait(timeout=component.ready_timeout_s)
    except subprocess.TimeoutExpired:
        stop(layout, component.name)
        raise StackError(
            f"{component.name} did not finish within {component.ready_timeout_s:.0f} s",
            "read the log",
            layout.log_file(component.name),
        ) from None
    remove_pid_file(layout, component.name)
    if code != 0:
        raise StackError(
            f"{component.name} exited with code {code}",
            "read the log, fix the cause and run ./bank up again",
            layout.log_file(component.name),
        )
    out.write(f"{component.name:<18} ran in {time.monotonic() - started:.1f} s (exit 0)\n")


def _start_group(layout: StackLayout, group: StartGroup, out: TextIO) -> bool:
    """Start what is not running in `group`, wait for all; True if anything was started."""
    started_at = time.monotonic()
    launched: dict[str, subprocess.Popen[bytes]] = {}
    waiting: list[Component] = []
    refreshed = False
    for component in group.components:
        running = read_running(layout, component.name)
        if running is not None:
            if component.refresh is not None:
                refreshed = component.refresh(running.pid, out) or refreshed
            waiting.append(component)
            continue
        _check_ports_free(layout, component)
        argv = component.prepare(out)
        env = base_environ() | component.extra_env()
        launched[component.name] = spawn(
            layout, component.name, argv, env=env, cwd=component.cwd, user=component.user
        )
        waiting.append(component)
    for component in waiting:
        _wait_healthy(layout, component, launched.get(component.name))
    # Only once the whole group answers: a cluster-wide step (Kafka's ACLs) needs every node.
    for component in waiting:
        if component.after_ready is not None:
            component.after_ready()
    for component in waiting:
        running = read_running(layout, component.name)
        pid = running.pid if running else "?"
        where = ", ".join(f"{LOOPBACK}:{port}" for port in component.ports) or "-"
        if component.name in launched:
            took = time.monotonic() - started_at
            out.write(f"{component.name:<18} started   pid {pid:<8} {where} ({took:.1f} s)\n")
        else:
            out.write(f"{component.name:<18} running   pid {pid:<8} {where}\n")
        out.flush()
    return bool(launched) or refreshed


def up(
    layout: StackLayout, out: TextIO, *, brokers: int | None = None, services: bool = True
) -> bool:
    """Bring the stack up; return True if anything had to be started."""
    from stack.certs import ensure_certificates
    from stack.passwords import ensure_company_token

    state = read_state(layout)
    wanted = brokers or state.brokers
    if wanted != state.brokers:
        running_nodes = [
            f"kafka-{node}"
            for node in range(1, state.brokers + 1)
            if read_running(layout, f"kafka-{node}") is not None
        ]
        if running_nodes:
            raise StackError(
                f"Kafka runs with {state.brokers} broker(s), {wanted} asked",
                f"./bank down, then ./bank up --brokers {wanted}",
            )
    write_state(layout, StackState(brokers=wanted))
    renewed = ensure_certificates(layout.certs_dir, wanted)
    if renewed:
        out.write(f"certificates made or renewed: {', '.join(renewed)}\n")
    ensure_company_token(layout.secrets_dir)
    changed = bool(renewed)
    groups = plan(layout, wanted, services=services)
    services_pending = any(
        read_running(layout, component.name) is None
        for group in groups
        for component in group.components
        if component.is_service and not component.one_shot
    )
    for group in groups:
        one_shots = [component for component in group.components if component.one_shot]
        if one_shots:
            if services_pending:
                for component in one_shots:
                    _run_one_shot(layout, component, out)
                changed = True
            continue
        changed = _start_group(layout, group, out) or changed
    return changed


# SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
_STOP_SIGNALS = {"postgres": signal.SIGINT}
_STOP_TIMEOUT_S = 45.0
# Stop order: the reverse of start, with every Kafka node stopped together.
_STOP_ORDER = (
    "command-generator",
    "heartbeat",
    "backend",
    "command-handler",
    "synchronizer",
    "nginx",
    "registry",
    "kafka-*",
    "postgres",
)


def down(layout: StackLayout, out: TextIO) -> list[str]:
    """Stop every process the stack started (recorded in `.run/pids`); return their names."""
    recorded = sorted(path.stem for path in layout.pids_dir.glob("*.json"))
    stopped: list[str] = []
    for pattern in _STOP_ORDER:
        if pattern.endswith("*"):
            names = [name for name in recorded if name.startswith(pattern[:-1])]
        else:
            names = [name for name in recorded if name == pattern]
        stopped += _stop_together(layout, names, out)
        recorded = [name for name in recorded if name not in names]
    stopped += _stop_together(layout, recorded, out)  # anything of an older version
    return stopped


def _stop_together(layout: StackLayout, names: list[str], out: TextIO) -> list[str]:
    # Signal every one first so that, e.g., three Kafka nodes shut down in parallel; then
    # `stop` waits for each group and kills what is left after the bounded wait.
    running = [name for name in names if read_running(layout, name) is not None]
    for name in running:
        process = read_running(layout, name)
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, _STOP_SIGNALS.get(name, signal.SIGTERM))
    for name in names:
        stop_signal = _STOP_SIGNALS.get(name, signal.SIGTERM)
        stop(layout, name, stop_signal=stop_signal, timeout_s=_STOP_TIMEOUT_S)
        if name in running:
            out.write(f"{name:<18} stopped\n")
    return running
