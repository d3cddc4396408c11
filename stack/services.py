"""The project's own programs the stack starts, once their package has a `__main__.py`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stack.ports import Ports

__all__ = ["SERVICES", "ServiceSpec", "available_services"]


@dataclass(frozen=True)
class ServiceSpec:
    """One of the project's programs: its stack name, module and the port it serves."""

    name: str
    module: str
    # The port that tells it is up (HTTP API or metrics); None for the one-shot steps.
    port_name: str | None
    one_shot: bool = False
    # Interpreter arguments; empty: `-m <module>`.
    args: tuple[str, ...] = ()
    # The program whose environment (certificate, database role) it runs with; None: its own.
    env_of: str | None = None

    def port(self, ports: Ports) -> int | None:
        return None if self.port_name is None else int(getattr(ports, self.port_name))

    def argv(self) -> tuple[str, ...]:
        """What follows the interpreter on its command line."""
        return self.args or ("-m", self.module)

    @property
    def env_name(self) -> str:
        """The name `stack.env.service_env` knows its environment by."""
        return self.env_of or self.name

    def main_file(self, repo_dir: Path) -> Path:
        return repo_dir.joinpath(*self.module.split(".")) / "__main__.py"


# In start order (docs/architecture.md): the synchronizer must finish before the rest start,
# and the handler's migrations (`alembic upgrade head`) before the handler.
SERVICES = (
    ServiceSpec("synchronizer", "synchronizer", None, one_shot=True),
    ServiceSpec(
        "command-handler-migrations",
        "command_handler",
        None,
        one_shot=True,
        args=("-m", "alembic", "-c", "command_handler/alembic.ini", "upgrade", "head"),
        env_of="command-handler",
    ),
    ServiceSpec("command-handler", "command_handler", "command_handler_metrics"),
    ServiceSpec("backend", "backend", "backend"),
    ServiceSpec("heartbeat", "load.heartbeat", "heartbeat"),
    ServiceSpec("command-generator", "load.generator", "command_generator_metrics"),
)


def available_services(repo_dir: Path) -> list[ServiceSpec]:
    """The services whose code exists yet (`<package>/__main__.py`)."""
    return [spec for spec in SERVICES if spec.main_file(repo_dir).exists()]
