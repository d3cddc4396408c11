"""supervisord's configuration as `stack.supervisor_config` renders it, read back by
supervisor's own parser: what supervisord will run is what the component asked for."""

from __future__ import annotations

import shlex
import socket
from pathlib import Path
from typing import Any

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

from stack.errors import StackError
from stack.supervisor_config import (
    EVENT_LISTENER,
    LOG_BACKUPS,
    LOG_MAX_BYTES,
    START_RETRIES,
    START_SECS,
    ProgramSpec,
    SupervisorPaths,
    render_program,
    render_supervisord,
)


def _parsed(tmp_path: Path, *specs: ProgramSpec) -> tuple[ServerOptions, dict[str, Any]]:
    """supervisord's options after reading the rendered files, and its programs by name."""
    paths = SupervisorPaths(tmp_path / "supervisor", tmp_path / "logs")
    paths.programs_dir.mkdir(parents=True)
    paths.logs_dir.mkdir()
    paths.config.write_text(render_supervisord(paths, ["/venv/bin/python", "-m", "x"], tmp_path))
    for spec in specs:
        paths.program_config(spec.name).write_text(render_program(spec))
    options = ServerOptions()
    options.configfile = str(paths.config)
    options.process_config(do_usage=False)
    programs = {
        config.name: config
        for group in options.process_group_configs
        for config in group.process_configs
    }
    return options, programs


def _spec(tmp_path: Path, **changes: Any) -> ProgramSpec:
    values: dict[str, Any] = {
        "name": "postgres",
        "argv": ["/usr/lib/postgresql/15/bin/postgres", "-D", "/data dir", "-c", "x=100%"],
        "cwd": tmp_path,
        "log": tmp_path / "logs" / "postgres.log",
        "env": {"PASSWORD": "a,b'c%d=e", "EMPTY": ""},
        "user": "nobody",
        "stop_signal": "INT",
    }
    return ProgramSpec(**(values | changes))


def test_a_long_running_program_is_read_back_as_written(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    _, programs = _parsed(tmp_path, spec)
    program = programs["postgres"]
    assert shlex.split(program.command) == list(spec.argv)  # spaces and % survive
    assert program.environment == {"PASSWORD": "a,b'c%d=e", "EMPTY": ""}
    assert program.directory == str(tmp_path)
    assert program.uid == 65534  # nobody
    assert program.stopsignal == 2  # SIGINT
    assert program.stopasgroup
    assert program.killasgroup
    assert program.autostart is False  # `up` starts it, in order
    assert program.autorestart is RestartUnconditionally
    assert (program.startsecs, program.startretries) == (START_SECS, START_RETRIES)
    assert program.redirect_stderr
    assert program.stdout_logfile == str(tmp_path / "logs" / "postgres.log")
    assert program.stdout_logfile_maxbytes == LOG_MAX_BYTES
    assert program.stdout_logfile_backups == LOG_BACKUPS


def test_a_one_shot_runs_once_and_keeps_its_exit_status(tmp_path: Path) -> None:
    spec = _spec(tmp_path, name="synchronizer", user=None, stop_signal="TERM", one_shot=True)
    _, programs = _parsed(tmp_path, spec)
    program = programs["synchronizer"]
    assert program.autorestart is False
    assert (program.startsecs, program.startretries) == (0, 0)
    assert program.uid is None
    assert program.stopsignal == 15


def test_supervisord_listens_on_its_unix_socket_only_and_keeps_its_files_in_the_run_folder(
    tmp_path: Path,
) -> None:
    options, programs = _parsed(tmp_path)
    base = tmp_path / "supervisor"
    servers = options.configroot.supervisord.server_configs
    assert [server["family"] for server in servers] == [socket.AF_UNIX]  # no TCP listener
    assert servers[0]["file"] == str(base / "supervisord.sock")
    assert servers[0]["chmod"] == 0o700
    assert options.pidfile == str(base / "supervisord.pid")
    assert options.logfile == str(tmp_path / "logs" / "supervisord.log")
    assert options.logfile_maxbytes == LOG_MAX_BYTES
    assert options.childlogdir == str(tmp_path / "logs")
    listener = programs[EVENT_LISTENER]
    assert shlex.split(listener.command) == ["/venv/bin/python", "-m", "x"]
    assert listener.stdout_logfile is None
    group = next(g for g in options.process_group_configs if g.name == EVENT_LISTENER)
    assert {event.__name__ for event in group.pool_events} == {
        "ProcessStateEvent",
        "Tick5Event",
        "RemoteCommunicationEvent",  # `up` asking for a check of hanging transactions
    }


@pytest.mark.parametrize("value", ['say "hi"', "two\nlines"])
def test_a_value_supervisord_cannot_carry_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(StackError, match="SECRET"):
        render_program(_spec(tmp_path, env={"SECRET": value}))


def test_an_empty_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="empty command"):
        render_program(_spec(tmp_path, argv=[]))
