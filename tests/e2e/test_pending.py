"""A deposit the command handler decides late shows as pending, then its result, with no
reload: the handler is paused (SIGSTOP) past the API's wait, then resumed (SIGCONT)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from stack.layout import StackLayout
from tests.support.faults.private_stack import PrivateStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

#: The API answers "pending" after RESULT_TIMEOUT_MS (5 s by default); room for a busy machine.
PENDING_WITHIN_MS = 20_000
DECIDED_WITHIN_MS = 60_000


def test_a_late_deposit_shows_pending_then_its_result(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    layout = StackLayout.from_environ()
    stack = PrivateStack(layout.run_dir, layout.ports.offset, layout.cache_dir)
    page = new_page()
    register(page)
    expect(page.get_by_test_id("balance")).to_have_text("€0,00")
    status = page.get_by_test_id("deposit-status")
    stack.pause("command-handler")
    try:
        page.get_by_test_id("deposit-2000").click()
        expect(status).to_have_text(
            "Deposit of €20,00 is pending: the bank has not decided yet; its answer shows "
            "here as soon as it has.",
            timeout=PENDING_WITHIN_MS,
        )
        expect(page.get_by_test_id("balance")).to_have_text("€0,00")
        screenshot(page, "deposit-pending")
    finally:
        stack.resume("command-handler")
    expect(status).to_have_text("€20,00 deposited.", timeout=DECIDED_WITHIN_MS)
    expect(page.get_by_test_id("balance")).to_have_text("€20,00", timeout=DECIDED_WITHIN_MS)
    screenshot(page, "deposit-decided")
