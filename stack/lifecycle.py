"""`up` and `down`: supervisord runs every process; `up` starts what is not running, in order.

`up` starts supervisord (`stack.supervision`) if it is not running, then walks the start
groups: a component supervisord runs (or is restarting) is left alone, unless it is one of
the bank's own services whose settings changed (its environment: `OPEN_BANK_TRACING_ENABLED`
set or unset since), which is restarted with the new ones, as `docker compose up` recreates a
changed container; any other gets its ports checked (a stranger on one is a one-line error),
is prepared (downloads, formatting, rendering), written into supervisord's configuration and
started, and awaited with a bounded wait. From then on supervisord starts it again whenever
it dies. `down` stops every program in reverse order, then supervisord itself, so nothing
comes back. Every failure is a `StackError` naming cause, fix and log.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from stack.component import Component, StartGroup
from stack.components import base_environ, plan
from stack.env import check_tracing_knobs
from stack.errors import StackError
from stack.health import port_open
from stack.layout import StackLayout
from stack.ports import LOOPBACK
from stack.processes import stop_recorded
from stack.state import StackState, read_state, write_state
from stack.supervision import RUNNING_STATES, Supervisor
from stack.supervision_orphans import stop_orphans
from stack.supervisor_config import EVENT_LISTENER, ProgramSpec, render_program
from stack.transaction_janitor import check_after_up, unclean_nodes

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


def _install(supervisor: Supervisor, component: Component, argv: list[str]) -> bool:
    """Write the program file of `component` (mode 0600: its environment holds passwords);
    True if it was missing or different."""
    spec = ProgramSpec(
        name=component.name,
        argv=argv,
        cwd=component.cwd,
        log=supervisor.layout.log_file(component.name),
        env=component.extra_env(),
        user=component.user,
        stop_signal=component.stop_signal,
        one_shot=component.one_shot,
    )
    path = supervisor.paths.program_config(component.name)
    text = render_program(spec)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    path.chmod(0o600)
    return True


def _wait_healthy(supervisor: Supervisor, component: Component) -> None:
    deadline = time.monotonic() + component.ready_timeout_s
    log = supervisor.layout.log_file(component.name)
    while time.monotonic() < deadline:
        if component.healthy():
            return
        info = supervisor.info(component.name)
        if info is not None and info.state == "FATAL":
            raise StackError(
                f"{component.name} exited again and again while starting ({info.spawn_error}); "
                "supervisord keeps trying",
                component.fix_hint,
                log,
            )
        time.sleep(_POLL_S)
    raise StackError(
        f"{component.name} did not become healthy within {component.ready_timeout_s:.0f} s",
        f"{component.fix_hint}, then ./bank down && ./bank up",
        log,
    )


def _run_one_shot(supervisor: Supervisor, component: Component, out: TextIO) -> None:
    started = time.monotonic()
    _install(supervisor, component, component.prepare(out))
    supervisor.update()
    info = supervisor.info(component.name)
    if info is None or info.state not in RUNNING_STATES:
        supervisor.start_program(component.name)
    log = supervisor.layout.log_file(component.name)
    deadline = started + component.ready_timeout_s
    while (info := supervisor.info(component.name)) is not None and info.state in RUNNING_STATES:
        if time.monotonic() > deadline:
            supervisor.stop([component.name])
            raise StackError(
                f"{component.name} did not finish within {component.ready_timeout_s:.0f} s",
                "read the log",
                log,
            )
        time.sleep(_POLL_S)
    if info is None or info.state != "EXITED" or info.exit_status != 0:
        if info is not None and info.state == "EXITED":
            how = f"exit code {info.exit_status}"
        else:
            how = f"did not start: {info.spawn_error if info else 'unknown to supervisord'}"
        raise StackError(
            f"{component.name} failed ({how})",
            "read the log, fix the cause and run ./bank up again",
            log,
        )
    out.write(f"{component.name:<18} ran in {time.monotonic() - started:.1f} s (exit 0)\n")


def _start_group(supervisor: Supervisor, group: StartGroup, out: TextIO) -> bool:
    """Start what is not running in `group`, wait for all; True if anything was started."""
    started_at = time.monotonic()
    infos = supervisor.all_info()
    launched: list[str] = []
    restarted: list[str] = []
    refreshed = False
    for component in group.components:
        info = infos.get(component.name)
        if info is not None and info.state in RUNNING_STATES:
            # A service's prepare only names its command line, so it is safe to run again;
            # the others' (formatting, downloads) are not, and their settings never vary.
            if component.is_service and _install(supervisor, component, component.prepare(out)):
                restarted.append(component.name)
            elif component.refresh is not None and info.pid is not None:
                refreshed = component.refresh(info.pid, out) or refreshed
            continue
        _check_ports_free(supervisor.layout, component)
        _install(supervisor, component, component.prepare(out))
        launched.append(component.name)
    if launched or restarted:
        # Stops each program whose file changed and loads it again, then all start.
        supervisor.update()
        for name in [*launched, *restarted]:
            supervisor.start_program(name)
    for component in group.components:
        _wait_healthy(supervisor, component)
    # Only once the whole group answers: a cluster-wide step (Kafka's ACLs) needs every node.
    for component in group.components:
        if component.after_ready is not None:
            component.after_ready()
    infos = supervisor.all_info()
    for component in group.components:
        info = infos.get(component.name)
        pid = info.pid if info is not None and info.pid else "?"
        where = ", ".join(f"{LOOPBACK}:{port}" for port in component.ports) or "-"
        took = time.monotonic() - started_at
        if component.name in launched:
            out.write(f"{component.name:<18} started   pid {pid:<8} {where} ({took:.1f} s)\n")
        elif component.name in restarted:
            out.write(
                f"{component.name:<18} restarted pid {pid:<8} {where} ({took:.1f} s,"
                " its settings changed)\n"
            )
        else:
            out.write(f"{component.name:<18} running   pid {pid:<8} {where}\n")
        out.flush()
    return bool(launched or restarted) or refreshed


def _prune_programs(supervisor: Supervisor, groups: list[StartGroup]) -> None:
    """Remove the program files of components the stack no longer has (Kafka nodes after
    a change of --brokers), so supervisord forgets them."""
    wanted = {component.name for group in groups for component in group.components}
    for path in supervisor.paths.programs_dir.glob("*.conf"):
        if path.stem not in wanted:
            path.unlink()


def _listener_argv(supervisor: Supervisor, groups: list[StartGroup]) -> list[str]:
    once = [c.name for group in groups for c in group.components if c.one_shot]
    layout = supervisor.layout
    argv = [sys.executable, "-m", "stack.supervision_events", str(supervisor.paths.events_file)]
    # The stack whose hanging transactions the listener checks after a Kafka restart.
    argv += ["--run-dir", str(layout.run_dir), "--cache-dir", str(layout.cache_dir)]
    argv += ["--port-offset", str(layout.ports.offset)]
    return argv + (["--once", *once] if once else [])


def up(
    layout: StackLayout, out: TextIO, *, brokers: int | None = None, services: bool = True
) -> bool:
    """Bring the stack up; return True if anything had to be started."""
    from stack.certs import ensure_certificates
    from stack.passwords import ensure_company_token

    check_tracing_knobs()

    for name in stop_recorded(layout, out):
        out.write(f"{name} will run under supervisord\n")
    supervisor = Supervisor(layout)
    stop_orphans(supervisor, out)
    state = read_state(layout)
    wanted = brokers or state.brokers
    if wanted != state.brokers:
        infos = supervisor.all_info()
        running_nodes = [
            name
            for name, info in infos.items()
            if name.startswith("kafka-") and info.state in RUNNING_STATES
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
    every = plan(layout, wanted, services=True)
    if supervisor.start(base_environ(), _listener_argv(supervisor, every)):
        out.write(f"supervisord        started   (socket {supervisor.paths.socket})\n")
    _prune_programs(supervisor, every)
    supervisor.update()
    infos = supervisor.all_info()
    services_pending = any(
        infos.get(component.name) is None or infos[component.name].state not in RUNNING_STATES
        for group in groups
        for component in group.components
        if component.is_service and not component.one_shot
    )
    # Kafka nodes killed rather than stopped (a power cut): checked again once past the bound.
    running = {name for name, info in infos.items() if info.state in RUNNING_STATES}
    unclean = unclean_nodes(layout, wanted, running)
    for group in groups:
        one_shots = [component for component in group.components if component.one_shot]
        if one_shots:
            if services_pending:
                for component in one_shots:
                    _run_one_shot(supervisor, component, out)
                changed = True
            continue
        changed = _start_group(supervisor, group, out) or changed
    # Kafka answers (started or found running): abort what a killed broker left hanging.
    check_after_up(layout, wanted, unclean, supervisor.call, out)
    return changed


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
    """Stop every program supervisord runs, in order, then supervisord; return their names."""
    stopped = stop_recorded(layout, out)
    supervisor = Supervisor(layout)
    if not supervisor.running():
        return stopped + stop_orphans(supervisor, out)
    # First the listener, so that nothing revives a program while the others stop.
    supervisor.stop([EVENT_LISTENER])
    remaining = sorted(supervisor.all_info())
    for pattern in _STOP_ORDER:
        if pattern.endswith("*"):
            names = [name for name in remaining if name.startswith(pattern[:-1])]
        else:
            names = [name for name in remaining if name == pattern]
        stopped += _stop_together(supervisor, names, out)
        remaining = [name for name in remaining if name not in names]
    stopped += _stop_together(supervisor, remaining, out)  # any other program
    supervisor.shutdown()
    out.write("supervisord        stopped\n")
    return stopped


def _stop_together(supervisor: Supervisor, names: list[str], out: TextIO) -> list[str]:
    stopped = supervisor.stop(names) if names else []
    for name in stopped:
        out.write(f"{name:<18} stopped\n")
    return stopped
