"""Fixtures of the fault suite: a private stack per session, never the shared one.

The suite kills and restarts components, so it starts a stack of its own (fresh run folder,
ports shifted by `FAULTS_PORT_OFFSET`, default 2000) with the stack's own command line and
stops it at the end. `FAULTS_RUN_DIR` reuses (and keeps) a private stack folder instead,
which saves its two-minute start when iterating by hand; `FAULTS_KEEP_LOGS=1` keeps the
stopped stack's folder (logs, data) for a post-mortem.

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

from faults.private_stack import PrivateStack, fresh_run_dir

FAULTS_DIR = Path(__file__).resolve().parent


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


def private_stack_at(name: str, offset: int, brokers: int) -> Iterator[PrivateStack]:
    """Start a private stack (or reuse `FAULTS_RUN_DIR`), yield it; stop and remove it at the
    end unless it was reused."""
    reused = os.environ.get("FAULTS_RUN_DIR") if brokers == 1 else None
    run_dir = Path(reused) if reused else fresh_run_dir(name)
    stack = PrivateStack(run_dir, offset)
    took = stack.up(brokers=brokers)
    print(f"\nprivate stack {run_dir} ({brokers} broker(s)) up in {took:.0f} s")
    try:
        yield stack
    finally:
        if not reused:
            stack.down()
            if not os.environ.get("FAULTS_KEEP_LOGS"):
                shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def private_stack() -> Iterator[PrivateStack]:
    """A one-broker private stack for the session's scenarios."""
    offset = int(os.environ.get("FAULTS_PORT_OFFSET", "2000"))
    yield from private_stack_at("faults", offset, brokers=1)


@pytest.fixture
def record_verdict(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Lines a test adds here are printed and appended to `faults-results.jsonl`."""
    lines: list[str] = []
    started = time.monotonic()
    yield lines
    entry = {
        "test": request.node.name,
        "seconds": round(time.monotonic() - started, 1),
        "notes": lines,
    }
    print(json.dumps(entry))
    results = Path(os.environ.get("FAULTS_RESULTS", "/tmp/faults-results.jsonl"))  # noqa: S108
    with results.open("a") as out:
        out.write(json.dumps(entry) + "\n")
