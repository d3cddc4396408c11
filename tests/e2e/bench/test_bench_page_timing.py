"""The page-side timing script in a real Chromium, against a page whose delay is known.

No stack needed: a static page adds the expected list item 120 ms after the click. This
pins what the benchmark's figures mean (click event to DOM change, and 50 ms polling).
"""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from bench import page_script
from bench.browser import BankPage, launch_chromium
from bench.interactions import interaction_for

pytestmark = pytest.mark.e2e

DELAY_MS = 120
PAGE = f"""
<button data-testid="deposit-1000">€10</button>
<button data-testid="deposit-2000">€20 (never shows)</button>
<ol data-testid="transactions"></ol>
<script>
let id = 0;
document.querySelector('[data-testid="deposit-1000"]').addEventListener("click", () => {{
  setTimeout(() => {{
    const item = document.createElement("li");
    item.setAttribute("data-testid", "transaction");
    item.setAttribute("data-transaction-id", String(++id));
    item.innerHTML = '<span data-testid="transaction-amount">€10,00</span>';
    document.querySelector('[data-testid="transactions"]').prepend(item);
  }}, {DELAY_MS});
}});
</script>
"""


async def test_observer_and_polling_times_bracket_the_real_delay() -> None:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page()
            await page.set_content(PAGE)
            await page.evaluate(page_script.INSTALL)
            bank = BankPage(page)
            measurement = await bank.measure(interaction_for(0), timeout_ms=2000)
            # €20 never shows on this page: a time-out, not a false match with the €10 item.
            missing = await bank.measure(interaction_for(2), timeout_ms=400)
        finally:
            await browser.close()
    assert measurement.latency_ms is not None
    assert measurement.polled_ms is not None
    # Bounds leave room for a busy machine (timers fire late), not for a wrong clock.
    assert DELAY_MS <= measurement.latency_ms < DELAY_MS + 500
    # Polling sees it at the first 50 ms tick after the change, never before it.
    assert measurement.latency_ms <= measurement.polled_ms < measurement.latency_ms + 300
    assert (missing.latency_ms, missing.error) == (None, "timeout")
