"""Where the stack keeps everything it writes, and which ports it uses.

All state lives under one git-ignored run folder (`OPEN_BANK_RUN_DIR`, default `<repo>/.run`):
certificates, secrets, data, logs and pid files. Downloads that are slow to repeat (Kafka's
jars, Apicurio's archive) live in a cache folder (`OPEN_BANK_CACHE_DIR`, default
`<run dir>/cache`) so that a private test stack can share them with the main one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stack.errors import StackError
from stack.ports import Ports

__all__ = ["MAX_PORT_OFFSET", "REPO_DIR", "StackLayout"]

REPO_DIR = Path(__file__).resolve().parent.parent
# The highest base port is 9293 (kafka-3's controller); every shifted port must stay below
# 32768, where Linux picks the local ports of outgoing connections (a listener there can
# find its port taken by a client for a while).
MAX_PORT_OFFSET = 23000


@dataclass(frozen=True)
class StackLayout:
    """The folders and ports of one stack (the shared one or a private one)."""

    repo_dir: Path
    run_dir: Path
    cache_dir: Path
    ports: Ports

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> StackLayout:
        """Read `OPEN_BANK_RUN_DIR`, `OPEN_BANK_CACHE_DIR` and `OPEN_BANK_PORT_OFFSET`."""
        env = os.environ if environ is None else environ
        run_dir = Path(env.get("OPEN_BANK_RUN_DIR") or REPO_DIR / ".run").absolute()
        cache_dir = Path(env.get("OPEN_BANK_CACHE_DIR") or run_dir / "cache").absolute()
        raw_offset = env.get("OPEN_BANK_PORT_OFFSET", "0") or "0"
        try:
            offset = int(raw_offset)
        except ValueError as exc:
            raise StackError(
                f"OPEN_BANK_PORT_OFFSET={raw_offset!r} is not an integer",
                "set it to a whole number such as 1000, or unset it",
            ) from exc
        if not 0 <= offset <= MAX_PORT_OFFSET:
            raise StackError(
                f"OPEN_BANK_PORT_OFFSET={offset} puts ports among Linux's client ports (32768+)",
                f"choose an offset between 0 and {MAX_PORT_OFFSET}",
            )
        return cls(repo_dir=REPO_DIR, run_dir=run_dir, cache_dir=cache_dir, ports=Ports(offset))

    @property
    def certs_dir(self) -> Path:
        return self.run_dir / "certs"

    @property
    def secrets_dir(self) -> Path:
        return self.run_dir / "secrets"

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.run_dir / "pids"

    @property
    def postgres_dir(self) -> Path:
        return self.run_dir / "postgres"

    @property
    def postgres_socket_dir(self) -> Path:
        return self.postgres_dir / "socket"

    @property
    def kafka_dir(self) -> Path:
        return self.run_dir / "kafka"

    def kafka_cluster_dir(self, brokers: int) -> Path:
        """The folder of the `brokers`-node cluster (each size keeps its own data)."""
        return self.kafka_dir / f"{brokers}-broker{'s' if brokers > 1 else ''}"

    @property
    def nginx_dir(self) -> Path:
        return self.run_dir / "nginx"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "stack.json"

    def log_file(self, name: str) -> Path:
        """The log of component `name`, e.g. `.run/logs/kafka-1.log`."""
        return self.logs_dir / f"{name}.log"

    def pid_file(self, name: str) -> Path:
        return self.pids_dir / f"{name}.json"
