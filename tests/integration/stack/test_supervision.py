"""Supervision on the running stack: a process killed with SIGKILL comes back by itself, and
`stack up` restarts a service whose settings changed.

Kills the leader of the command handler, the backend and nginx of the stack the tests run
against (`OPEN_BANK_RUN_DIR`/`OPEN_BANK_PORT_OFFSET`: run it on a private stack), runs no
`stack up`, and checks that supervisord started each again: a new pid that answers its
health check, and `python -m stack status` showing one more restart and the SIGKILL as last
exit. nginx's master alone is killed: its workers would hold the port against the new
master if the event listener did not kill what is left of the group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stack.components import plan
from stack.layout import REPO_DIR, StackLayout
from stack.state import read_state
from stack.supervision import component_pid

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

# supervisord starts a new process at once; this bounds it on a loaded machine. The time
# until it is healthy again is the program's start-up (printed; 15 s or less when idle).
RESPAWN_WITHIN_S = 10.0
HEALTHY_WITHIN_S = 120.0


def _status_rows(layout: StackLayout) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "stack", "status"],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    assert lines[0].split()[:6] == [
        "component",
        "health",
        "pid",
        "state",
        "restarts",
        "last",
    ]
    return {line.split()[0]: line.split()[1:] for line in lines[1:-1]}


def _healthy(layout: StackLayout, name: str) -> bool:
    groups = plan(layout, read_state(layout).brokers, services=True)
    (component,) = [c for group in groups for c in group.components if c.name == name]
    return component.healthy()


@pytest.mark.parametrize("name", ["command-handler", "backend", "nginx"])
def test_a_killed_process_comes_back_healthy_by_itself(
    stack_env: dict[str, str], stack_layout: StackLayout, name: str
) -> None:
    before = _status_rows(stack_layout)[name]
    pid = component_pid(stack_layout, name)
    assert pid is not None, f"{name} does not run"
    restarts = int(before[3])

    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    while (new_pid := component_pid(stack_layout, name)) in {None, pid}:
        assert time.monotonic() - killed_at < RESPAWN_WITHIN_S, f"{name} not started again"
        time.sleep(0.05)
    respawned = time.monotonic() - killed_at
    while not _healthy(stack_layout, name):
        assert time.monotonic() - killed_at < HEALTHY_WITHIN_S, f"{name} not healthy again"
        time.sleep(0.1)
    took = time.monotonic() - killed_at
    print(
        f"\n{name} (pid {pid}) SIGKILLed: new pid after {respawned:.2f} s, healthy in {took:.1f} s"
    )

    after = _status_rows(stack_layout)[name]
    assert after[0] == "healthy"
    assert after[1] == str(new_pid)
    assert int(after[3]) >= restarts + 1
    assert after[4] == "SIGKILL", after  # last exit: "SIGKILL at HH:MM:SSZ"


def _up(environ: dict[str, str]) -> list[str]:
    """`python -m stack up` with `environ`; the names of the services it restarted."""
    result = subprocess.run(
        [sys.executable, "-m", "stack", "up"],
        cwd=REPO_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=HEALTHY_WITHIN_S,
        check=False,
    )
    assert result.returncode == 0, f"stack up failed:\n{result.stdout}\n{result.stderr}"
    return [line.split()[0] for line in result.stdout.splitlines() if " restarted " in line]


def _environ_of(layout: StackLayout, name: str) -> dict[str, str]:
    pid = component_pid(layout, name)
    assert pid is not None, f"{name} does not run"
    pairs = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


@pytest.mark.usefixtures("stack_env")  # never starts a stack that is down
def test_up_restarts_the_services_whose_settings_changed(stack_layout: StackLayout) -> None:
    knob = "OPEN_BANK_TRACING_BACKGROUND_RATIO"
    plain = {k: v for k, v in os.environ.items() if k != knob}
    services = ["command-handler", "backend", "heartbeat", "command-generator"]
    try:
        assert _up({**plain, knob: "0.5"}) == services
        assert _environ_of(stack_layout, "heartbeat")[knob] == "0.5"
    finally:
        restored = _up(plain)
    assert restored == services
    assert knob not in _environ_of(stack_layout, "heartbeat")
    assert _up(plain) == [], "a second up with the same settings restarted something"
