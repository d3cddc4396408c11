"""supervisord's configuration, rendered from the stack's components (pure).

One file for supervisord itself (unix socket, pid file and log under the run folder) and one
`programs/<name>.conf` per component, so `up` can add or change one program and ask
supervisord to re-read its configuration without touching the others.

The restart policy (docs/reliability.md, "Supervision"): every long-running program is
started again the moment it exits (`autorestart`). One that exits within `START_SECS` of its
start is retried after 1, 2, ... `START_RETRIES` seconds; after that supervisord marks it
FATAL, and the event listener (`stack.supervision_events`) starts it again at its next
five-second tick. So a program whose dependency is down is tried every few seconds for as
long as it takes, and never given up on.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stack.errors import StackError

__all__ = [
    "EVENT_LISTENER",
    "LOG_BACKUPS",
    "LOG_MAX_BYTES",
    "START_RETRIES",
    "START_SECS",
    "ProgramSpec",
    "SupervisorPaths",
    "render_program",
    "render_supervisord",
]

# A program that stays up this long counts as started; an earlier exit is a failed start.
START_SECS = 5
# Failed starts retried (after 1, 2, ... s) before FATAL, from which the listener revives it.
START_RETRIES = 5
# Every log (the programs', supervisord's own) rotates at this size, keeping this many files.
LOG_MAX_BYTES = 20 * 1024 * 1024
LOG_BACKUPS = 3
# The name of the event listener's program (restart counts, revival of FATAL programs).
EVENT_LISTENER = "supervision-events"


@dataclass(frozen=True)
class SupervisorPaths:
    """Where supervisord keeps its files, under the run folder."""

    base: Path
    logs_dir: Path

    @property
    def config(self) -> Path:
        return self.base / "supervisord.conf"

    @property
    def programs_dir(self) -> Path:
        return self.base / "programs"

    @property
    def socket(self) -> Path:
        return self.base / "supervisord.sock"

    @property
    def pid_file(self) -> Path:
        return self.base / "supervisord.pid"

    @property
    def events_file(self) -> Path:
        """Restarts and last exits, as the event listener records them."""
        return self.base / "processes.json"

    @property
    def log(self) -> Path:
        return self.logs_dir / "supervisord.log"

    def program_config(self, name: str) -> Path:
        return self.programs_dir / f"{name}.conf"

    @property
    def server_url(self) -> str:
        return f"unix://{self.socket}"


@dataclass(frozen=True)
class ProgramSpec:
    """One program as supervisord runs it."""

    name: str
    argv: Sequence[str]
    cwd: Path
    log: Path
    env: Mapping[str, str] = field(default_factory=dict)
    user: str | None = None
    stop_signal: str = "TERM"
    stop_wait_s: int = 45
    # Runs to completion: never restarted, its exit code tells `up` how it went.
    one_shot: bool = False


def _escape(text: str) -> str:
    # supervisord expands `%(name)s` in its values: a literal % is written %%.
    return text.replace("%", "%%")


def _environment(env: Mapping[str, str]) -> str:
    pairs = []
    for key, value in sorted(env.items()):
        if not key.replace("_", "").isalnum():
            raise StackError(
                f"environment variable name {key!r} cannot be passed to supervisord",
                "use letters, digits and underscores only",
            )
        if any(bad in value for bad in ('"', "\n", "\r")):
            raise StackError(
                f"the value of {key} holds a double quote or a line break, which "
                "supervisord's environment setting cannot carry",
                f"change the value of {key}",
            )
        pairs.append(f'{key}="{_escape(value)}"')
    return ",".join(pairs)


def render_program(spec: ProgramSpec) -> str:
    """The `[program:<name>]` section of `spec`."""
    if not spec.argv:
        raise StackError(f"{spec.name} has an empty command line", "fix its component")
    lines = [
        f"[program:{spec.name}]",
        f"command={_escape(shlex.join(spec.argv))}",
        f"directory={_escape(str(spec.cwd))}",
        # `up` starts programs in dependency order, never supervisord on its own.
        "autostart=false",
        f"autorestart={'false' if spec.one_shot else 'true'}",
        f"startsecs={0 if spec.one_shot else START_SECS}",
        f"startretries={0 if spec.one_shot else START_RETRIES}",
        f"stopsignal={spec.stop_signal}",
        f"stopwaitsecs={spec.stop_wait_s}",
        # The whole process group: nginx's workers, anything a program started.
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={_escape(str(spec.log))}",
        f"stdout_logfile_maxbytes={LOG_MAX_BYTES}",
        f"stdout_logfile_backups={LOG_BACKUPS}",
    ]
    if spec.user is not None:
        lines.append(f"user={spec.user}")
    if spec.env:
        lines.append(f"environment={_environment(spec.env)}")
    return "\n".join(lines) + "\n"


def render_supervisord(
    paths: SupervisorPaths, listener_argv: Sequence[str], listener_cwd: Path
) -> str:
    """supervisord's own file: a unix socket only (no TCP listener), the programs' includes
    and the event listener (run from `listener_cwd`, the repository)."""
    log = _escape(str(paths.log))
    return "\n".join(
        [
            "; Rendered by `python -m stack up`; changes are overwritten.",
            "[unix_http_server]",
            f"file={_escape(str(paths.socket))}",
            "chmod=0700",
            "",
            "[supervisord]",
            f"logfile={log}",
            f"logfile_maxbytes={LOG_MAX_BYTES}",
            f"logfile_backups={LOG_BACKUPS}",
            "loglevel=info",
            f"pidfile={_escape(str(paths.pid_file))}",
            f"directory={_escape(str(paths.base))}",
            # Any log not named here goes under the run folder, not /tmp.
            f"childlogdir={_escape(str(paths.logs_dir))}",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl={_escape(paths.server_url)}",
            "",
            f"[eventlistener:{EVENT_LISTENER}]",
            f"command={_escape(shlex.join(listener_argv))}",
            f"directory={_escape(str(listener_cwd))}",
            # REMOTE_COMMUNICATION: `up` asks for a check of hanging Kafka transactions.
            "events=PROCESS_STATE,TICK_5,REMOTE_COMMUNICATION",
            "autostart=true",
            "autorestart=true",
            # Its stdout is the event protocol, not worth a log.
            "stdout_logfile=NONE",
            f"stderr_logfile={_escape(str(paths.logs_dir / f'{EVENT_LISTENER}.log'))}",
            f"stderr_logfile_maxbytes={LOG_MAX_BYTES}",
            f"stderr_logfile_backups={LOG_BACKUPS}",
            # Events reach the listener while `up` starts a dozen programs at once.
            "buffer_size=100",
            "",
            "[include]",
            f"files={_escape(str(paths.programs_dir))}/*.conf",
            "",
        ]
    )
