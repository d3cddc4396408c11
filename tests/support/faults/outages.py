"""Faults bigger than one component: PostgreSQL restarting, a one-shot killed, a power cut.

Every process is found through this stack's supervisord (its pid file, `component_pids`)
and the process tree under it, never by name across the machine: other stacks run here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
from confluent_kafka.admin import AdminClient

# Where they are defined: the package's type information does not mark them re-exported.
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource

from bench.stack_access import kafka_settings_from_env
from stack.env import service_env
from stack.layout import REPO_DIR
from stack.supervision import Supervisor, component_pids, supervisor_paths
from tests.support.faults.private_stack import PrivateStack
from topology.clients import admin_config

__all__ = [
    "kill_one_postgres_backend",
    "kill_synchronizer_mid_run",
    "power_cut",
    "restart_postgres",
    "set_topic_config",
    "topic_config",
]

_GONE_TIMEOUT_S = 30.0


def kill_one_postgres_backend(stack: PrivateStack, database: str = "backend") -> int:
    """SIGKILL one server process of this stack's postmaster that serves `database`: the
    postmaster then ends every other connection and runs crash recovery."""
    postmaster = stack.pid("postgres")
    if postmaster is None:
        raise RuntimeError("postgres is not running")
    for child in psutil.Process(postmaster).children():
        with contextlib.suppress(psutil.Error):
            # e.g. "postgres: backend backend 127.0.0.1(51234) idle"
            words = " ".join(child.cmdline()).split()
            if len(words) >= 3 and words[0] == "postgres:" and words[2] == database:
                child.kill()
                return int(child.pid)
    raise RuntimeError(f"no server process of {postmaster} serves {database!r}")


def restart_postgres(stack: PrivateStack) -> float:
    """Restart PostgreSQL through supervisord (fast shutdown, then start), as an operator
    would; seconds until it answers its health check again."""
    started = time.monotonic()
    supervisor = Supervisor(stack.layout)
    supervisor.stop(["postgres"])
    supervisor.start_program("postgres")
    while not stack.healthy("postgres"):
        if time.monotonic() - started > 120:
            raise TimeoutError("postgres not healthy 120 s after its restart")
        time.sleep(0.1)
    return time.monotonic() - started


def _admin(stack: PrivateStack) -> AdminClient:
    settings = kafka_settings_from_env(service_env("synchronizer", stack.layout))
    return AdminClient(admin_config(settings, client_id="faults-drift"))


def set_topic_config(stack: PrivateStack, topic: str, key: str, value: str) -> None:
    """Change one config of `topic` behind the synchronizer's back (a drift)."""
    resource = ConfigResource(
        ConfigResource.Type.TOPIC,
        topic,
        incremental_configs=[ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)],
    )
    admin = _admin(stack)  # held: a collected client ends its requests
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(timeout=30)


def topic_config(stack: PrivateStack, topic: str, key: str) -> str:
    """The value Kafka holds for one config of `topic`."""
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    admin = _admin(stack)  # held: a collected client ends its requests
    [future] = admin.describe_configs([resource]).values()
    return str(future.result(timeout=30)[key].value)


def kill_synchronizer_mid_run(stack: PrivateStack, timeout_s: float = 120.0) -> tuple[int, str]:
    """Run `stack up` (which runs the synchronizer, a one-shot, when a service is not
    running) and SIGKILL the synchronizer while it runs. Returns its pid and what `up` said
    (it must fail: its one-shot did not finish)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_BANK_")}
    up = subprocess.Popen(
        [sys.executable, "-m", "stack", "up"],
        env=env | stack.environ,
        cwd=REPO_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while (pid := stack.pid("synchronizer")) is None:
            if time.monotonic() > deadline or up.poll() is not None:
                raise RuntimeError("the synchronizer never ran")
            time.sleep(0.05)
        time.sleep(0.5)  # into its run: Python started, talking to Kafka
        os.kill(pid, signal.SIGKILL)
        output, _ = up.communicate(timeout=timeout_s)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(30)
    return pid, f"exit {up.returncode}: {output.strip().splitlines()[-1:]}"


def power_cut(stack: PrivateStack) -> int:
    """SIGKILL supervisord and every process of the stack at once (supervisord, its
    children and their process groups and descendants); wait until all are gone. Returns
    how many processes were killed."""
    supervisord = psutil.Process(int(supervisor_paths(stack.layout).pid_file.read_text()))
    leaders = set(component_pids(stack.layout).values())
    leaders |= {child.pid for child in supervisord.children()}
    found = [supervisord, *supervisord.children(recursive=True)]
    for process in psutil.process_iter(["pid"]):
        with contextlib.suppress(ProcessLookupError, psutil.Error):
            if os.getpgid(process.pid) in leaders:
                found.append(process)
    victims = list({process.pid: process for process in found}.values())
    for process in victims:
        with contextlib.suppress(psutil.Error):
            process.kill()
    deadline = time.monotonic() + _GONE_TIMEOUT_S
    while alive := [process.pid for process in victims if _alive(process)]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes outlived SIGKILL: {alive}")
        time.sleep(0.1)
    return len(victims)


def _alive(process: psutil.Process) -> bool:
    """Running, not a zombie left for whoever reaps orphans."""
    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
