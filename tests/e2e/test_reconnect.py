"""The UI recovers by itself after the backend restarts, and says so meanwhile.

Stops the shared stack's backend through its supervisord (so it stays down while the UI is
looked at) and starts it again with `python -m stack up` (which starts exactly what is
down)."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from stack.layout import StackLayout
from stack.supervision import Supervisor

# Not marked `faults`: those are deselected unless asked for, and this restart (of the
# backend only, seconds long) is part of the UI's definition of done, so it runs with the
# rest of the browser tests.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
#: Starting the backend again: migrations, Kafka clients, health check (ms).
RESTART_TIMEOUT_MS = 90_000


def _start_what_is_down() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack", "up"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RESTART_TIMEOUT_MS / 1000,
        check=False,
    )
    assert result.returncode == 0, f"python -m stack up failed:\n{result.stdout}\n{result.stderr}"


def test_reconnects_after_backend_restart(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    screenshot: Callable[[Page, str], Path],
    allow_browser_errors: Callable[[str], None],
) -> None:
    # While the backend is down the browser itself logs each refused WebSocket handshake.
    allow_browser_errors(r"WebSocket connection to .*/graphql' failed")
    page = new_page()
    register(page)
    page.get_by_test_id("deposit-1000").click()
    expect(page.get_by_test_id("balance")).to_have_text("€10,00")
    state = page.get_by_test_id("connection-state")

    stopped = Supervisor(StackLayout.from_environ()).stop(["backend"])
    assert stopped == ["backend"], "the stack runs no backend: ./bank up"
    try:
        expect(state).to_have_attribute("data-state", "reconnecting")
        expect(state).to_contain_text("reconnecting by itself")
        screenshot(page, "reconnecting")
    finally:
        _start_what_is_down()

    expect(state).to_have_attribute("data-state", "connected", timeout=RESTART_TIMEOUT_MS)
    # The same page, not reloaded, works again and still shows what it showed.
    page.get_by_test_id("deposit-2000").click()
    newest = page.get_by_test_id("transaction").first
    expect(newest.get_by_test_id("transaction-amount")).to_have_text("€20,00")
    expect(page.get_by_test_id("balance")).to_have_text("€30,00")
    screenshot(page, "reconnected")
