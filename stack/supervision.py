"""The stack's supervisord: started by `up`, asked over its unix socket, shut down by `down`.

supervisord (the `supervisor` package) runs every process of the stack and starts again
whatever dies; `stack.supervisor_config` renders its configuration. This module is the
stack's only way to ask which process runs: `component_pid` and `component_pids` answer
from supervisord's own view (XML-RPC `getProcessInfo`), for the stack's commands, the tests,
the fault harness and the benchmark alike.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from typing import Any, cast

import psutil
from supervisor.xmlrpc import SupervisorTransport

from stack.errors import StackError
from stack.layout import StackLayout
from stack.supervisor_config import (
    EVENT_LISTENER,
    SupervisorPaths,
    render_supervisord,
)

__all__ = [
    "RUNNING_STATES",
    "ProcessInfo",
    "Supervisor",
    "component_pid",
    "component_pids",
    "supervisor_paths",
]

# States in which supervisord has the program in hand: running, starting, or about to retry.
RUNNING_STATES = frozenset({"RUNNING", "STARTING", "BACKOFF"})
_START_TIMEOUT_S = 30.0
_POLL_S = 0.2
# supervisord's XML-RPC fault for a name it does not know.
_BAD_NAME = 10


@dataclass(frozen=True)
class ProcessInfo:
    """supervisord's view of one program (a part of `getProcessInfo`)."""

    name: str
    state: str  # RUNNING, STARTING, BACKOFF, STOPPING, STOPPED, EXITED, FATAL, UNKNOWN
    pid: int | None
    exit_status: int
    spawn_error: str

    @classmethod
    def from_rpc(cls, info: dict[str, Any]) -> ProcessInfo:
        pid = int(info["pid"])
        return cls(
            name=str(info["name"]),
            state=str(info["statename"]),
            pid=pid or None,
            exit_status=int(info["exitstatus"]),
            spawn_error=str(info["spawnerr"]),
        )


def supervisor_paths(layout: StackLayout) -> SupervisorPaths:
    return SupervisorPaths(base=layout.run_dir / "supervisor", logs_dir=layout.logs_dir)


class Supervisor:
    """The supervisord of one stack, reached through its unix socket."""

    def __init__(self, layout: StackLayout) -> None:
        self.layout = layout
        self.paths = supervisor_paths(layout)

    def _call(self, method: str, *args: Any) -> Any:
        transport = SupervisorTransport(None, None, self.paths.server_url)
        # The host part is ignored: the transport talks to the unix socket.
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        try:
            return getattr(proxy.supervisor, method)(*args)
        finally:
            transport.close()

    def call(self, method: str, *args: Any) -> Any:
        """One XML-RPC call (`supervisor.<method>`); a StackError if supervisord is not there."""
        try:
            return self._call(method, *args)
        except OSError as exc:
            raise StackError(
                f"supervisord does not answer on {self.paths.socket} ({exc})",
                "./bank up starts it",
                self.paths.log,
            ) from exc

    def running(self) -> bool:
        """True if supervisord answers and is not shutting down."""
        if not self.paths.socket.exists():
            return False
        try:
            state = self._call("getState")
        except (OSError, xmlrpc.client.Error):
            return False
        return bool(state.get("statename") == "RUNNING")

    def start(self, environ: dict[str, str], listener_argv: list[str]) -> bool:
        """Start supervisord unless it runs (files left by a killed one are replaced);
        rewrite its own configuration either way. True if it was started."""
        self.paths.programs_dir.mkdir(parents=True, exist_ok=True)
        self.layout.logs_dir.mkdir(parents=True, exist_ok=True)
        self.paths.base.chmod(0o700)
        self.paths.config.write_text(
            render_supervisord(self.paths, listener_argv, self.layout.repo_dir)
        )
        if self.running():
            return False
        # A killed supervisord leaves its socket and pid file; supervisord itself removes a
        # socket nobody answers on. Restart counts belong to the supervisord that made them.
        self.paths.pid_file.unlink(missing_ok=True)
        self.paths.events_file.unlink(missing_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.paths.config)],
            env=environ,
            cwd=self.paths.base,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(
                f"supervisord did not start: {(result.stderr or result.stdout).strip()}",
                "read its log",
                self.paths.log,
            )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self.running():
            if time.monotonic() > deadline:
                raise StackError(
                    f"supervisord did not answer within {_START_TIMEOUT_S:.0f} s",
                    "read its log",
                    self.paths.log,
                )
            time.sleep(_POLL_S)
        return True

    def info(self, name: str) -> ProcessInfo | None:
        """The program `name`, or None if supervisord does not know it (or does not run)."""
        if not self.running():
            return None
        try:
            return ProcessInfo.from_rpc(self.call("getProcessInfo", name))
        except xmlrpc.client.Fault as fault:
            if fault.faultCode == _BAD_NAME:
                return None
            raise

    def all_info(self) -> dict[str, ProcessInfo]:
        """Every program supervisord knows (the event listener left out), by name."""
        if not self.running():
            return {}
        infos = (ProcessInfo.from_rpc(raw) for raw in self.call("getAllProcessInfo"))
        return {info.name: info for info in infos if info.name != EVENT_LISTENER}

    def update(self) -> None:
        """Apply the program files as they are now (supervisorctl's `update`): a program
        whose file changed is stopped and loaded again, a new one loaded, a gone one removed.
        Nothing is started: `up` starts programs in order."""
        [[added, changed, removed]] = self.call("reloadConfig")
        for name in [*changed, *removed]:
            self.stop([name])
            self.call("removeProcessGroup", name)
        for name in [*changed, *added]:
            self.call("addProcessGroup", name)

    def start_program(self, name: str) -> None:
        """Ask supervisord to start `name` (without waiting for it)."""
        try:
            self.call("startProcess", name, False)
        except xmlrpc.client.Fault as fault:
            raise StackError(
                f"supervisord cannot start {name}: {fault.faultString}",
                "read the log",
                self.layout.log_file(name),
            ) from fault

    def stop(self, names: list[str], timeout_s: float = 60.0) -> list[str]:
        """Stop `names` together and wait until each is stopped; the ones that ran.

        supervisord sends each its stop signal, then SIGKILL to its process group after the
        program's `stopwaitsecs`."""
        stopping = []
        for name in names:
            info = self.info(name)
            if info is None or info.state not in {*RUNNING_STATES, "STOPPING"}:
                continue
            with contextlib.suppress(xmlrpc.client.Fault):  # it stopped meanwhile
                self.call("stopProcess", name, False)
            stopping.append(name)
        deadline = time.monotonic() + timeout_s
        for name in stopping:
            while (info := self.info(name)) is not None and info.state == "STOPPING":
                if time.monotonic() > deadline:
                    raise StackError(
                        f"{name} did not stop within {timeout_s:.0f} s",
                        "read the log",
                        self.layout.log_file(name),
                    )
                time.sleep(_POLL_S)
        return stopping

    def shutdown(self, timeout_s: float = 60.0) -> bool:
        """Stop supervisord (and with it whatever still runs); True if it was running."""
        if not self.running():
            return False
        pid = int(self.call("getPID"))
        with contextlib.suppress(xmlrpc.client.Fault):  # already shutting down
            self.call("shutdown")
        deadline = time.monotonic() + timeout_s
        while psutil.pid_exists(pid) and _alive(pid):
            if time.monotonic() > deadline:
                raise StackError(
                    f"supervisord (pid {pid}) did not exit within {timeout_s:.0f} s",
                    f"kill {pid}",
                    self.paths.log,
                )
            time.sleep(_POLL_S)
        return True


def _alive(pid: int) -> bool:
    try:
        return cast(str, psutil.Process(pid).status()) != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def component_pids(layout: StackLayout) -> dict[str, int]:
    """Every component of the stack in `layout` that has a process now, and its pid
    (the leader of the component's process group), as supervisord knows them."""
    return {
        name: info.pid
        for name, info in Supervisor(layout).all_info().items()
        if info.pid is not None
    }


def component_pid(layout: StackLayout, name: str) -> int | None:
    """The pid of component `name` while it has a process, else None."""
    info = Supervisor(layout).info(name)
    return None if info is None else info.pid
