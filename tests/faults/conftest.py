"""Fixtures of the fault suite: private stacks, never the shared one.

The suite kills and restarts components, so each module starts a stack of its own (fresh
run folder, ports shifted by `FAULTS_PORT_OFFSET`, default 2000, or `FAULTS_3_PORT_OFFSET`,
default 3000, for three brokers; tests/unit/faults/test_port_plan.py proves neither shares a
port with the CI stack at offset 0) with the stack's own command line, and stops it when
the module ends, pass or fail, so the next module's stack has both cores and nothing is
left behind. When a scenario failed, the stack's logs are copied to `FAULTS_LOGS_DIR`
(default `<repo>/.run/faults-logs`) before its folder is removed. `FAULTS_RUN_DIR` reuses
(and keeps) a running one-broker private stack instead, which saves its start when
iterating by hand; `FAULTS_KEEP_LOGS=1` keeps the stopped stack's whole folder (logs, data)
for a post-mortem.

The suite runs only when asked for (`pytest -m faults` or `pytest tests/faults`): it takes
minutes and starts Java processes, so a plain `pytest` deselects it and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.layout import REPO_DIR
from tests.support.faults.port_plan import ONE_BROKER_OFFSET, THREE_BROKER_OFFSET
from tests.support.faults.private_stack import PrivateStack, fresh_run_dir

FAULTS_DIR = Path(__file__).resolve().parent
_ONE_BROKER = int(os.environ.get("FAULTS_PORT_OFFSET", str(ONE_BROKER_OFFSET)))
_THREE_BROKERS = int(os.environ.get("FAULTS_3_PORT_OFFSET", str(THREE_BROKER_OFFSET)))
_LOGS_DIR = Path(os.environ.get("FAULTS_LOGS_DIR", str(REPO_DIR / ".run" / "faults-logs")))
_RESULTS = Path(os.environ.get("FAULTS_RESULTS", str(REPO_DIR / ".run" / "faults-results.jsonl")))
# The modules (node ids) in which a fault test failed: their stacks' logs are kept.
_FAILED = pytest.StashKey[set[str]]()


def _asked_for(config: pytest.Config) -> bool:
    if "faults" in (config.option.markexpr or ""):
        return True
    return any(Path(arg.split("::")[0]).resolve().is_relative_to(FAULTS_DIR) for arg in config.args)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _asked_for(config):
        return
    faults = [item for item in items if item.get_closest_marker("faults") is not None]
    if faults:
        config.hook.pytest_deselected(items=faults)
        items[:] = [item for item in items if item.get_closest_marker("faults") is None]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"faults: {len(faults)} fault scenario(s) deselected; run them with -m faults"
            )


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Remember the module of a fault test that failed, so its stack's logs are kept."""
    if call.excinfo is not None and item.get_closest_marker("faults") is not None:
        item.session.stash.setdefault(_FAILED, set()).add(item.nodeid.split("::")[0])


def private_stack_at(
    request: pytest.FixtureRequest, name: str, offset: int, brokers: int
) -> Iterator[PrivateStack]:
    """Start a private stack (or reuse `FAULTS_RUN_DIR`), yield it; stop and remove it at the
    end, even when its start or a scenario failed, unless it was reused."""
    reused = os.environ.get("FAULTS_RUN_DIR") if brokers == 1 else None
    run_dir = Path(reused) if reused else fresh_run_dir(name)
    stack = PrivateStack(run_dir, offset)
    started = False
    try:
        took = stack.up(brokers=brokers)
        started = True
        print(f"\nprivate stack {run_dir} ({brokers} broker(s)) up in {took:.0f} s")
        yield stack
    finally:
        if not reused:
            failed = not started or request.node.nodeid in request.session.stash.get(_FAILED, set())
            _stop_and_remove(stack, run_dir, failed=failed)


def _stop_and_remove(stack: PrivateStack, run_dir: Path, *, failed: bool) -> None:
    try:
        stack.down()
    finally:
        if failed and (run_dir / "logs").is_dir():
            kept = _LOGS_DIR / run_dir.name
            shutil.copytree(run_dir / "logs", kept, dirs_exist_ok=True)
            print(f"\nfaults: a scenario failed; the stack's logs are kept in {kept}")
        if not os.environ.get("FAULTS_KEEP_LOGS"):
            shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def private_stack(request: pytest.FixtureRequest) -> Iterator[PrivateStack]:
    """A one-broker private stack for one module's scenarios."""
    yield from private_stack_at(request, "faults", _ONE_BROKER, brokers=1)


@pytest.fixture(scope="module")
def three_broker_stack(request: pytest.FixtureRequest) -> Iterator[PrivateStack]:
    """A three-broker private stack (a one-broker stack's data cannot move to three)."""
    yield from private_stack_at(request, "faults-3-brokers", _THREE_BROKERS, brokers=3)


@pytest.fixture
def record_verdict(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Lines a test adds here are printed and appended to `FAULTS_RESULTS` (JSON lines)."""
    lines: list[str] = []
    started = time.monotonic()
    yield lines
    entry = {
        "test": request.node.name,
        "seconds": round(time.monotonic() - started, 1),
        "notes": lines,
    }
    print(json.dumps(entry))
    _RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with _RESULTS.open("a") as out:
        out.write(json.dumps(entry) + "\n")
