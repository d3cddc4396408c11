"""The stack's lifecycle on a PRIVATE stack (own run folder, own port offset), never the shared one.

Infrastructure only (`--no-services`): `up` twice is a no-op, `down` leaves none of its
processes alive (supervisord included) and nothing comes back, data survives `down` + `up`,
`up` after a power cut brings everything back, a taken port is a one-line error, and a test
that needs a stack that is not running fails with one line. The downloads come from the
shared stack's cache, so this runs in about a minute.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import pytest
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from stack.env import service_env
from stack.health import port_open
from stack.layout import MAX_PORT_OFFSET, StackLayout
from stack.ports import Ports
from stack.postgres import admin_conninfo
from stack.supervision import supervisor_paths
from stack.zipkin import zipkin_url

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[3]


def _free_offset(exclude: tuple[int, ...] = ()) -> int:
    """A port offset whose every port is free: other engineers run private stacks too."""
    # Above the offsets people pick by hand (1000-3000), below Linux's client ports.
    candidates = list(range(11_000, MAX_PORT_OFFSET + 1, 1_000))
    random.shuffle(candidates)
    for offset in candidates:
        ports = Ports(offset)
        wanted = [
            ports.postgres,
            ports.registry,
            ports.registry_management,
            ports.nginx,
            ports.backend,
            *(ports.broker(node) for node in (1, 2, 3)),
            *(ports.controller(node) for node in (1, 2, 3)),
        ]
        if offset not in exclude and not any(port_open(port) for port in wanted):
            return offset
    raise AssertionError(f"no free port offset between 11000 and {MAX_PORT_OFFSET}")


@dataclass(frozen=True)
class PrivateStack:
    """A second stack beside the shared one."""

    layout: StackLayout
    environ: dict[str, str]

    def run(self, *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "stack", *args],
            cwd=REPO,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )

    def kafka_admin(self) -> AdminClient:
        env = service_env("tests", self.layout)
        return AdminClient(
            {
                "bootstrap.servers": env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"],
                "security.protocol": "SSL",
                "ssl.ca.location": env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"],
                "ssl.certificate.location": env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"],
                "ssl.key.location": env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"],
            }
        )

    def recorded_processes(self) -> list[psutil.Process]:
        """Every process the stack started: supervisord, its children, their process groups
        and descendants (PostgreSQL's backends leave the postmaster's group with setsid)."""
        supervisord = psutil.Process(int(supervisor_paths(self.layout).pid_file.read_text()))
        descendants = supervisord.children(recursive=True)
        leaders = {child.pid for child in supervisord.children()}
        in_groups = [
            process for process in psutil.process_iter(["pid"]) if _pgid(process.pid) in leaders
        ]
        found = [supervisord, *descendants, *in_groups]
        return list({process.pid: process for process in found}.values())


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _private_environ(run_dir: Path, offset: int) -> dict[str, str]:
    shared = StackLayout.from_environ()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("OPEN_BANK_")}
    environ |= {
        "OPEN_BANK_RUN_DIR": str(run_dir),
        "OPEN_BANK_PORT_OFFSET": str(offset),
        "OPEN_BANK_CACHE_DIR": str(shared.cache_dir),
    }
    return environ


def _world_traversable_tmpdir(prefix: str) -> Path:
    # PostgreSQL runs as the `postgres` user when we are root: it must reach its folder,
    # which pytest's 0700 tmp_path does not allow.
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def private_stack() -> Iterator[PrivateStack]:
    run_dir = _world_traversable_tmpdir("open-bank-private-")
    environ = _private_environ(run_dir, _free_offset())
    stack = PrivateStack(StackLayout.from_environ(environ), environ)
    try:
        result = stack.run("up", "--no-services")
        assert result.returncode == 0, result.stdout + result.stderr
        yield stack
    finally:
        stack.run("down")
        shutil.rmtree(run_dir, ignore_errors=True)


def test_up_prints_the_url_last_and_a_second_up_changes_nothing(
    private_stack: PrivateStack,
) -> None:
    pids_before = {process.pid for process in private_stack.recorded_processes()}
    assert pids_before
    second = private_stack.run("up", "--no-services")
    assert second.returncode == 0, second.stderr
    lines = second.stdout.strip().splitlines()
    assert "everything already runs; nothing changed" in lines
    # Kafka found running: checked for hanging transactions, in one line.
    checks = [line for line in lines if line.startswith("kafka transactions ")]
    assert len(checks) == 1, second.stdout
    assert "no hanging transaction on 1 broker(s) (bank up;" in checks[0]
    assert f"open http://127.0.0.1:{private_stack.layout.ports.nginx}/ " in lines[-1]
    assert lines[-1].endswith(f"traces: {zipkin_url(private_stack.layout)}")
    assert {process.pid for process in private_stack.recorded_processes()} == pids_before


def test_status_shows_each_component_healthy(private_stack: PrivateStack) -> None:
    result = private_stack.run("status")
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:-1]}
    for name in ("postgres", "kafka-1", "registry", "nginx"):
        assert rows[name][0] == "healthy", result.stdout
        assert rows[name][1].isdigit()  # the pid


def _create_topic(stack: PrivateStack, topic: str) -> None:
    admin = stack.kafka_admin()  # a local: the future needs its client alive until done
    admin.create_topics([NewTopic(topic, 1)])[topic].result(timeout=30)


def _alive(process: psutil.Process) -> bool:
    # A zombie has exited; it waits only for its parent (here init) to collect its status.
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_down_stops_everything_and_up_keeps_the_data(private_stack: PrivateStack) -> None:
    topic = f"test-lifecycle-{uuid.uuid4().hex[:8]}"
    _create_topic(private_stack, topic)
    with psycopg.connect(admin_conninfo(private_stack.layout), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS kept (note text)")
        connection.execute("INSERT INTO kept VALUES ('survives down')")
    processes = private_stack.recorded_processes()
    assert len(processes) >= 5  # postgres has children, so do nginx and the JVMs' groups

    down = private_stack.run("down")
    assert down.returncode == 0, down.stderr
    assert not [process for process in processes if _alive(process)]
    assert not supervisor_paths(private_stack.layout).socket.exists()
    time.sleep(6)  # past the event listener's five-second tick: nothing comes back
    ports = private_stack.layout.ports
    assert not [port for port in ports.all(1) if port_open(port)]
    status = private_stack.run("status")
    assert status.returncode == 3
    assert "stopped" in status.stdout

    up = private_stack.run("up", "--no-services")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "had stopped uncleanly" not in up.stdout  # `down` stopped Kafka cleanly
    topics = private_stack.kafka_admin().list_topics(timeout=30).topics
    assert topic in topics
    with psycopg.connect(admin_conninfo(private_stack.layout)) as connection:
        notes = connection.execute("SELECT note FROM kept").fetchall()
    assert ("survives down",) in notes


def test_a_power_cut_then_up_brings_everything_back(private_stack: PrivateStack) -> None:
    """supervisord and every process SIGKILLed at once; `up` finds their files (supervisord's
    socket and pid file, PostgreSQL's postmaster.pid) stale and starts it all again."""
    processes = private_stack.recorded_processes()
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    deadline = time.monotonic() + 30
    while [process for process in processes if _alive(process)]:
        assert time.monotonic() < deadline, "processes outlived SIGKILL"
        time.sleep(0.1)
    assert supervisor_paths(private_stack.layout).socket.exists()  # left behind

    up = private_stack.run("up", "--no-services")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "supervisord        started" in up.stdout
    # Kafka was killed: checked for hanging transactions again, the last check past the bound.
    assert "kafka-1 had stopped uncleanly: checked again until" in up.stdout
    result = private_stack.run("status")
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:-1]}
    for name in ("postgres", "kafka-1", "registry", "nginx"):
        assert rows[name][:1] == ["healthy"], result.stdout
        assert rows[name][2] in {"RUNNING", "STARTING"}, result.stdout  # RUNNING after 5 s


def test_a_taken_port_is_a_one_line_error(private_stack: PrivateStack) -> None:
    run_dir = _world_traversable_tmpdir("open-bank-taken-")
    offset = _free_offset(exclude=(private_stack.layout.ports.offset,))
    environ = _private_environ(run_dir, offset)
    try:
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", 5433 + offset))
            squatter.listen()
            result = subprocess.run(
                [sys.executable, "-m", "stack", "up", "--no-services"],
                cwd=REPO,
                env=environ,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: port {5433 + offset} (postgres) is already in use")
        assert "fix: " in lines[0]
        assert "OPEN_BANK_PORT_OFFSET" in lines[0]
    finally:
        subprocess.run([sys.executable, "-m", "stack", "down"], cwd=REPO, env=environ, check=False)
        shutil.rmtree(run_dir, ignore_errors=True)


def test_a_test_needing_a_stack_that_is_down_fails_in_one_line(
    private_stack: PrivateStack, tmp_path: Path
) -> None:
    test_file = tmp_path / "test_needs_stack.py"
    test_file.write_text("def test_needs_stack(stack_env):\n    assert stack_env\n")
    environ = _private_environ(
        tmp_path / "nothing-here", _free_offset(exclude=(private_stack.layout.ports.offset,))
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-q",
            "--no-header",
            str(test_file),
        ],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "the stack is not running: start it with ./bank up" in result.stdout
    assert "1 error" in result.stdout
