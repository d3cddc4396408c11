"""What a supervisord of the stack that died on its own (SIGKILL, the OOM killer) left
running: found and stopped by `up` and `down` before they start or stop anything else, so
that no orphan holds a port against the programs of the next supervisord."""

from __future__ import annotations

import configparser
import contextlib
import os
import shlex
import shutil
from pathlib import Path
from typing import TextIO

import psutil

from stack.supervision import Supervisor

__all__ = ["find_orphans", "stop_orphans"]


def find_orphans(supervisor: Supervisor) -> list[psutil.Process]:
    """Processes a dead supervisord of this stack left running (killed on its own, by
    the OOM killer say): supervisord gives each child its socket's URL. nginx and
    PostgreSQL write their process titles over their environment, so a process that runs
    a program's executable in its directory under the run folder counts too."""
    run_dir = str(supervisor.layout.run_dir) + "/"
    signatures = set(map(_signature, supervisor.paths.programs_dir.glob("*.conf")))
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("SUPERVISOR_SERVER_URL") == supervisor.paths.server_url or (
                process.cwd().startswith(run_dir) and (process.exe(), process.cwd()) in signatures
            ):
                found.append(process)
        except psutil.Error:
            continue
    return found


def stop_orphans(supervisor: Supervisor, out: TextIO, timeout_s: float = 45.0) -> list[str]:
    """With no supervisord running: SIGTERM what a dead one left, SIGKILL what is left
    after `timeout_s`; the names of the programs that were found."""
    if supervisor.running():
        return []
    orphans = find_orphans(supervisor)
    names = set()
    for process in orphans:
        with contextlib.suppress(psutil.Error):
            names.add(process.environ().get("SUPERVISOR_PROCESS_NAME") or process.name())
            process.terminate()
    _, alive = psutil.wait_procs(orphans, timeout=timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=10)
    for name in sorted(names):
        out.write(f"{name:<18} stopped (left running by a supervisord that died)\n")
    return sorted(names)


def _signature(program_file: Path) -> tuple[str, str] | None:
    """(executable, directory) of a program file, as `/proc` shows a process running it."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(program_file)
        section = parser[parser.sections()[0]]
        executable = shlex.split(section["command"].replace("%%", "%"))[0]
        directory = section["directory"].replace("%%", "%")
    except (configparser.Error, IndexError, KeyError, ValueError):
        return None
    return os.path.realpath(shutil.which(executable) or executable), directory
