"""A private stack for fault injection: its own run folder and ports, killed at will.

The shared stack in `.run` is everyone's; faults are injected only into a stack of our
own (`OPEN_BANK_RUN_DIR`, `OPEN_BANK_PORT_OFFSET`, the shared download cache), started
and stopped with the stack's own command line (`python -m stack up|down`). Its supervisord
starts again whatever is killed, as it would for a person. Components are found through
supervisord (`stack.supervision.component_pid`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import psutil

from stack.components import plan
from stack.layout import REPO_DIR, StackLayout
from stack.processes import group_alive
from stack.state import read_state
from stack.status import collect_status
from stack.supervision import Supervisor, component_pid

__all__ = ["PrivateStack", "StackCommandError", "fresh_run_dir"]

_UP_TIMEOUT_S = 600.0


def fresh_run_dir(label: str) -> Path:
    """A new, empty run folder that PostgreSQL's system user can enter (mode 0755).

    pytest's temporary folders are 0700 and owned by root, where `initdb`, running as the
    `postgres` user when we are root, cannot create its cluster.
    """
    path = Path(tempfile.mkdtemp(prefix=f"open-bank-{label}-"))
    path.chmod(0o755)
    return path


class StackCommandError(RuntimeError):
    """`python -m stack ...` failed; the message ends with its output."""


class PrivateStack:
    """A stack in `run_dir` with every port shifted by `port_offset`."""

    def __init__(self, run_dir: Path, port_offset: int, cache_dir: Path | None = None) -> None:
        shared_cache = StackLayout.from_environ({}).cache_dir
        self.environ = {
            "OPEN_BANK_RUN_DIR": str(run_dir),
            "OPEN_BANK_PORT_OFFSET": str(port_offset),
            "OPEN_BANK_CACHE_DIR": str(cache_dir or shared_cache),
        }
        self.layout = StackLayout.from_environ(self.environ)

    def _run(self, *args: str, timeout_s: float = _UP_TIMEOUT_S) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN_BANK_")}
        result = subprocess.run(
            [sys.executable, "-m", "stack", *args],
            env=env | self.environ,
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise StackCommandError(f"stack {' '.join(args)} exited {result.returncode}: {output}")
        return output

    def up(self, *, brokers: int | None = None, attempts: int = 3) -> float:
        """Start whatever is not running (idempotent); seconds it took.

        A Kafka node that recovers its logs after a SIGKILL on two busy cores can take
        longer than the stack's 90 s readiness wait; `up` is idempotent, so asking again
        waits again for the process already started instead of failing the scenario.
        """
        started = time.monotonic()
        args = ["up", *(["--brokers", str(brokers)] if brokers else [])]
        for attempt in range(1, attempts + 1):
            try:
                self._run(*args)
                break
            except StackCommandError as exc:
                if attempt == attempts or "did not become healthy" not in str(exc):
                    raise
        return time.monotonic() - started

    def down(self) -> None:
        """Stop everything this stack started."""
        self._run("down", timeout_s=300)

    def pid(self, name: str) -> int | None:
        """The pid of component `name` while it runs."""
        return component_pid(self.layout, name)

    def healthy(self, name: str) -> bool:
        """Whether component `name` answers its own health check (as `status` checks it)."""
        groups = plan(self.layout, read_state(self.layout).brokers, services=True)
        found = [c for group in groups for c in group.components if c.name == name]
        if not found:
            raise KeyError(f"the stack has no component {name!r}")
        return found[0].healthy()

    def wait_back(self, name: str, killed_pid: int, timeout_s: float = 180.0) -> float:
        """Seconds from now until supervisord runs `name` again (a pid other than
        `killed_pid`) and it answers its health check; nobody runs `stack up`."""
        started = time.monotonic()
        while True:
            pid = self.pid(name)
            if pid is not None and pid != killed_pid and self.healthy(name):
                return time.monotonic() - started
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"{name} not back and healthy {timeout_s:.0f} s after its kill")
            time.sleep(0.1)

    def stop(self, name: str) -> None:
        """Stop `name` the way `./bank down` does, so supervisord does not start it again
        (until the next `up`)."""
        Supervisor(self.layout).stop([name])

    def health(self) -> dict[str, str]:
        """Component → health, as `python -m stack status` shows it."""
        return {status.name: status.health for status in collect_status(self.layout)}

    def kill(
        self,
        name: str,
        sig: int = signal.SIGKILL,
        timeout_s: float = 30.0,
        *,
        stay_down: bool = False,
    ) -> int:
        """Send `sig` to the whole process group of `name` and wait until it is gone.

        A group, not a pid: PostgreSQL's backends and nginx's workers die with their leader,
        as on a crashed machine. supervisord starts it again at once, unless `stay_down`:
        then it is told to stop right after the signal (if it already started a new process,
        that one gets its stop signal while it starts). Returns the pid that was killed.
        """
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        if stay_down:
            self.stop(name)
        deadline = time.monotonic() + timeout_s
        while group_alive(pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} (pid {pid}) still alive {timeout_s} s after {sig}")
            time.sleep(0.1)
        return pid

    def pause(self, name: str) -> int:
        """SIGSTOP `name`: it holds its connections but answers nothing."""
        pid = self._require(name)
        os.kill(pid, signal.SIGSTOP)
        return pid

    def resume(self, name: str) -> int:
        """SIGCONT `name` after `pause`."""
        pid = self._require(name)
        os.kill(pid, signal.SIGCONT)
        return pid

    def _require(self, name: str) -> int:
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        return pid

    def set_load(self, messages_per_s: int) -> None:
        """Ask the heartbeat for `messages_per_s` beats a second (batches every 100 ms)."""
        body = {"batch_size": messages_per_s // 10, "sleep_ms": 100}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.layout.ports.heartbeat}/settings",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            response.read()

    @property
    def backend_url(self) -> str:
        """The backend's HTTP root (GraphQL at /graphql)."""
        return f"http://127.0.0.1:{self.layout.ports.backend}"

    def rss_mib(self, names: Mapping[str, int] | None = None) -> dict[str, float]:
        """Resident memory (MiB) of each running Python service (or of `names` → pid)."""
        pids = names or {
            name: pid
            for name in ("command-handler", "backend", "heartbeat", "command-generator")
            if (pid := self.pid(name)) is not None
        }
        sizes = {}
        for name, pid in pids.items():
            with contextlib.suppress(psutil.Error):
                sizes[name] = psutil.Process(pid).memory_info().rss / 2**20
        return sizes
