"""A real `python -m command_handler` process, driven from outside as a black box.

Used by the handler drain (`python -m bench handler`) and by the integration and fault
tests: they give it an environment (database, topic prefix, group, metrics port) and
read what it publishes, its log and its /metrics; they never import the handler.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from stack.layout import REPO_DIR
from stack.services import SERVICES

__all__ = ["HandlerProcess", "free_port", "migrate_handler_database"]


def migrate_handler_database(env: Mapping[str, str]) -> None:
    """Run the stack's one-shot migration step (`alembic upgrade head`) on the database of
    `env`'s `OPEN_BANK_DATABASE_URL`, as `./bank up` does before starting the handler."""
    [spec] = [s for s in SERVICES if s.name == "command-handler-migrations"]
    subprocess.run(
        [sys.executable, *spec.argv()],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=REPO_DIR,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    """A TCP port nobody listens on right now (for a private /metrics)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class HandlerProcess:
    """A real `python -m command_handler` process with the environment `env`."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = {"PATH": os.environ.get("PATH", ""), **env}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> HandlerProcess:
        """Start it; its stderr/stdout go to `log_path`."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "command_handler"],
                env=self.env,
                stdout=log,
                stderr=log,
                cwd=REPO_DIR,
            )
        return self

    @property
    def pid(self) -> int:
        """The process id (fails if not started)."""
        if self.process is None:
            raise RuntimeError("handler not started")
        return self.process.pid

    def running(self) -> bool:
        """True while the process lives."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 30) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        if self.process is None:
            raise RuntimeError("handler not started")
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        """SIGKILL: the batch in flight is neither finished nor closed."""
        if self.process is None:
            raise RuntimeError("handler not started")
        self.process.kill()
        self.process.wait(10)

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")
