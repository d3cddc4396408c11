"""`python -m stack test`: ruff, ruff format, mypy --strict and pytest over the project.

Every step runs even when an earlier one fails, so one run shows everything to fix; the exit
code is the first failure's. pytest runs last and its summary line ends the output. Its
last tier is the fault suite (tests/faults, ~8-10 min here: it starts private stacks of its
own and kills their parts); `--quick` leaves it out, `FAULTS_BY_DEFAULT` is the switch.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from stack.layout import StackLayout

__all__ = ["FAULTS_BY_DEFAULT", "PYTHON_PACKAGES", "check_commands", "run_checks"]

#: Whether a plain `./bank test` (and so CI) runs the fault suite as its last tier.
FAULTS_BY_DEFAULT = True

# The project's top-level Python packages (docs/architecture.md), checked when they exist.
PYTHON_PACKAGES = (
    "topology",
    "synchronizer",
    "command_handler",
    "backend",
    "load",
    "bench",
    "replay",
    "stack",
)


def check_commands(
    repo_dir: Path, pytest_args: Sequence[str], *, faults: bool = FAULTS_BY_DEFAULT
) -> list[list[str]]:
    """The commands `test` runs, in order (pure: the caller runs them in `repo_dir`).

    Explicit `pytest_args` replace the tiers; `faults` adds the fault tier to them.
    """
    tools = Path(sys.executable).parent
    targets = [name for name in (*PYTHON_PACKAGES, "tests") if (repo_dir / name).is_dir()]
    return [
        [str(tools / "ruff"), "check", "."],
        [str(tools / "ruff"), "format", "--check", "."],
        # Test folders have no __init__.py: module names come from their paths.
        [str(tools / "mypy"), "--strict", "--explicit-package-bases", *targets],
        [sys.executable, "-m", "pytest", *(pytest_args or _tiers(repo_dir, faults=faults))],
    ]


def _tiers(repo_dir: Path, *, faults: bool) -> list[str]:
    # Fast tiers first, the browser after them: a tier that leaves an event loop running in
    # the main thread (Playwright's sync API does) cannot break the asyncio tests of another.
    # The fault suite is synchronous and slowest, so it comes last; naming its folder is
    # what selects it (tests/faults/conftest.py deselects it otherwise).
    tiers = ("tests/unit", "tests/integration", "tests/e2e", *(("tests/faults",) if faults else ()))
    return [tier for tier in tiers if (repo_dir / tier).is_dir()]


def run_checks(
    layout: StackLayout, pytest_args: Sequence[str], *, faults: bool = FAULTS_BY_DEFAULT
) -> int:
    """Run every check; 0 if all passed, else the first non-zero exit code."""
    first_failure = 0
    for command in check_commands(layout.repo_dir, pytest_args, faults=faults):
        shown = [Path(command[0]).name, *command[1:]]
        print(f"$ {' '.join(shown)}")
        sys.stdout.flush()
        code = subprocess.run(command, cwd=layout.repo_dir, check=False).returncode
        if code != 0 and first_failure == 0:
            first_failure = code
    return first_failure
