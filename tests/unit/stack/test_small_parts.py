"""Pure parts: pg_hba rules, the check commands, the service list, Java version lookup."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.checks import check_commands
from stack.errors import StackError
from stack.java import find_java, java_major
from stack.layout import StackLayout
from stack.postgres import SUPERUSER, admin_database_url, render_pg_hba
from stack.services import SERVICES, available_services
from stack.state import StackState, read_state, write_state


def test_superuser_only_through_the_unix_socket() -> None:
    rules = [line.split() for line in render_pg_hba().splitlines() if not line.startswith("#")]
    assert ["local", "all", SUPERUSER, "trust"] in rules
    assert ["host", "all", SUPERUSER, "127.0.0.1/32", "reject"] in rules
    host_rules = [rule for rule in rules if rule and rule[0] == "host"]
    assert host_rules[0][-1] == "reject"  # first match wins: the superuser's TCP reject
    assert all(rule[-1] in {"reject", "scram-sha-256"} for rule in host_rules)


def test_admin_url_uses_the_socket_folder(tmp_path: Path) -> None:
    layout = StackLayout.from_environ({"OPEN_BANK_RUN_DIR": str(tmp_path)})
    url = admin_database_url(layout, "scratch")
    assert url == (
        f"postgresql+psycopg://postgres@/scratch?host={tmp_path}/postgres/socket&port=5433"
    )


def test_checks_run_ruff_mypy_strict_and_pytest_last(tmp_path: Path) -> None:
    (tmp_path / "stack").mkdir()
    (tmp_path / "tests").mkdir()
    commands = check_commands(tmp_path, ["-k", "x"])
    assert [Path(command[0]).name for command in commands[:3]] == ["ruff", "ruff", "mypy"]
    assert commands[1][1:] == ["format", "--check", "."]
    assert "--strict" in commands[2]
    assert commands[2][-2:] == ["stack", "tests"]  # only packages that exist
    assert commands[3][1:] == ["-m", "pytest", "-k", "x"]


def test_without_arguments_pytest_runs_the_tiers_browser_last(tmp_path: Path) -> None:
    for tier in ("e2e", "unit", "integration"):
        (tmp_path / "tests" / tier).mkdir(parents=True)
    pytest_command = check_commands(tmp_path, [])[3]
    assert pytest_command[-3:] == ["tests/unit", "tests/integration", "tests/e2e"]


def test_services_start_after_the_one_shot_synchronizer(tmp_path: Path) -> None:
    assert SERVICES[0].name == "synchronizer"
    assert SERVICES[0].one_shot
    assert available_services(tmp_path) == []
    main = tmp_path / "load" / "heartbeat" / "__main__.py"
    main.parent.mkdir(parents=True)
    main.write_text("")
    assert [spec.name for spec in available_services(tmp_path)] == ["heartbeat"]


def test_state_remembers_the_broker_count(tmp_path: Path) -> None:
    layout = StackLayout.from_environ({"OPEN_BANK_RUN_DIR": str(tmp_path)})
    assert read_state(layout) == StackState(brokers=1)
    write_state(layout, StackState(brokers=3))
    assert read_state(layout).brokers == 3


def _fake_jdk(home: Path, version: str) -> Path:
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    return home


def test_find_java_takes_the_first_new_enough_runtime(tmp_path: Path) -> None:
    old = _fake_jdk(tmp_path / "jdk17", "17.0.15")
    new = _fake_jdk(tmp_path / "jdk25", "25.0.3")
    assert java_major(old) == 17
    environ = {"OPEN_BANK_REGISTRY_JAVA_HOME": str(old), "JAVA_HOME": str(new)}
    assert find_java(21, "the registry", environ) == str(new / "bin" / "java")


def test_find_java_names_the_fix_when_none_fits(tmp_path: Path) -> None:
    old = _fake_jdk(tmp_path / "jdk11", "11.0.2")
    with pytest.raises(StackError, match="needs Java 99"):
        find_java(99, "the registry", {"JAVA_HOME": str(old)})
