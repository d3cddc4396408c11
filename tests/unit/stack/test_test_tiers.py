"""`./bank test --faults` runs the fault suite as the last tier; `--quick` leaves it out."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.__main__ import parse_arguments
from stack.checks import FAULTS_BY_DEFAULT, check_commands


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for tier in ("e2e", "faults", "unit", "integration"):
        (tmp_path / "tests" / tier).mkdir(parents=True)
    return tmp_path


def test_the_fault_suite_is_the_last_tier(repo: Path) -> None:
    pytest_command = check_commands(repo, [], faults=True)[3]
    assert pytest_command[-4:] == [
        "tests/unit",
        "tests/integration",
        "tests/e2e",
        "tests/faults",
    ]


def test_without_faults_the_browser_tier_is_last(repo: Path) -> None:
    pytest_command = check_commands(repo, [], faults=False)[3]
    assert pytest_command[-3:] == ["tests/unit", "tests/integration", "tests/e2e"]
    assert "tests/faults" not in pytest_command


def test_the_default_is_one_switch(repo: Path) -> None:
    assert check_commands(repo, []) == check_commands(repo, [], faults=FAULTS_BY_DEFAULT)


def test_explicit_pytest_arguments_replace_the_tiers(repo: Path) -> None:
    assert check_commands(repo, ["tests/faults", "-x"], faults=False)[3][-2:] == [
        "tests/faults",
        "-x",
    ]


def test_mypy_checks_the_tests_and_the_fault_harness_in_them(repo: Path) -> None:
    # The fault harness is test support (tests/support/faults): checked with the tests.
    assert check_commands(repo, [])[2][-1] == "tests"


@pytest.mark.parametrize(
    ("argv", "faults", "pytest_args"),
    [
        (["test"], None, []),
        (["test", "--faults"], True, []),
        (["test", "--quick"], False, []),
        (["test", "--quick", "tests/unit", "-x"], False, ["tests/unit", "-x"]),
        (["test", "tests/faults", "-k", "paused"], None, ["tests/faults", "-k", "paused"]),
        (["test", "-k", "paused", "-x"], None, ["-k", "paused", "-x"]),
        (["test", "--faults", "-x", "-k", "a or b"], True, ["-x", "-k", "a or b"]),
        (["test", "--", "-k", "x"], None, ["-k", "x"]),
    ],
)
def test_the_command_line_reads_its_flags_before_pytest_arguments(
    argv: list[str], faults: bool | None, pytest_args: list[str]
) -> None:
    args = parse_arguments(argv)
    assert (args.faults, args.pytest_args) == (faults, pytest_args)


def test_faults_and_quick_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["test", "--faults", "--quick"])


def test_other_commands_still_refuse_unknown_arguments() -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["status", "--bogus"])
