"""The page-side timing script in a real Chromium, against a page whose delay is known.

No stack needed: a static page answers €10 deposits in its status line after 60 ms and adds
the list item after 120 ms, and refuses €20 deposits. This pins what the benchmark's
figures mean (click to answer, click to DOM change, and 50 ms polling).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Page, async_playwright

from bench import page_script
from bench.browser import BankPage, launch_chromium
from bench.interactions import interaction_for

pytestmark = pytest.mark.e2e

ANSWER_MS = 60
DELAY_MS = 120
PAGE = f"""
<button data-testid="deposit-1000">€10</button>
<button data-testid="deposit-2000">€20 (refused)</button>
<p data-testid="deposit-status" data-kind="info"></p>
<ol data-testid="transactions"></ol>
<script>
let id = 0;
const status = document.querySelector('[data-testid="deposit-status"]');
const answer = (kind, text) => {{ status.dataset.kind = kind; status.textContent = text; }};
document.querySelector('[data-testid="deposit-2000"]').addEventListener("click", () => {{
  answer("info", "Depositing");
  setTimeout(() => answer("error", "Deposit failed: insufficient funds"), {ANSWER_MS});
}});
document.querySelector('[data-testid="deposit-1000"]').addEventListener("click", () => {{
  answer("info", "Depositing");
  setTimeout(() => answer("ok", "deposited"), {ANSWER_MS});
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


@asynccontextmanager
async def bench_page(content: str) -> AsyncIterator[tuple[Page, BankPage]]:
    """A Chromium page showing `content`, with the benchmark's timing script installed."""
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page()
            await page.set_content(content)
            await page.evaluate(page_script.INSTALL)
            yield page, BankPage(page)
        finally:
            await browser.close()


async def test_observer_and_polling_times_bracket_the_real_delay() -> None:
    async with bench_page(PAGE) as (_, bank):
        measurement = await bank.measure(interaction_for(0), timeout_ms=2000)
        # €20 is refused and never shows: a time-out with the reason, not a false match
        # with the €10 item.
        missing = await bank.measure(interaction_for(2), timeout_ms=3000)
    assert measurement.latency_ms is not None
    assert measurement.polled_ms is not None
    # Bounds leave room for a busy machine (timers fire late), not for a wrong clock.
    assert DELAY_MS <= measurement.latency_ms < DELAY_MS + 1500
    # Polling sees it at the first 50 ms tick after the change, never before it.
    assert measurement.latency_ms <= measurement.polled_ms < measurement.latency_ms + 1000
    assert measurement.answered_ms is not None
    assert ANSWER_MS <= measurement.answered_ms <= measurement.latency_ms
    # On screen at the next frame after the DOM change: later, but by about a frame.
    assert measurement.painted_ms is not None
    assert measurement.latency_ms <= measurement.painted_ms < measurement.latency_ms + 1000
    assert measurement.error is None
    assert missing.latency_ms is None
    assert missing.answered_ms is not None
    assert missing.answered_ms < 3000  # a refusal ends the wait at once
    assert missing.error == "refused: Deposit failed: insufficient funds"


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACED_PAGE = f"""
<button data-testid="deposit-1000">€10</button>
<p data-testid="deposit-status" data-kind="info"></p>
<ol data-testid="transactions"></ol>
<script>
// What leaves the page: recorded here instead of sent (no server in this test).
window.sent = [];
WebSocket.prototype.send = function (data) {{ window.sent.push(data); }};
const socket = new WebSocket("ws://127.0.0.1:9/graphql");
let id = 0;
document.querySelector('[data-testid="deposit-1000"]').addEventListener("click", () => {{
  const extensions = {{ traceparent: "{TRACEPARENT}" }};
  const payload = {{ query: "subscription {{ x }}", extensions }};
  socket.send(JSON.stringify({{ id: String(++id), type: "subscribe", payload }}));
  const item = document.createElement("li");
  item.setAttribute("data-testid", "transaction");
  item.setAttribute("data-transaction-id", String(id));
  item.innerHTML = '<span data-testid="transaction-amount">€10,00</span>';
  document.querySelector('[data-testid="transactions"]').prepend(item);
}});
</script>
"""


async def test_an_untraced_click_leaves_with_its_trace_context_not_sampled() -> None:
    async with bench_page(TRACED_PAGE) as (page, bank):
        await bank.measure(interaction_for(0), timeout_ms=2000, traced=False)
        await bank.measure(interaction_for(0), timeout_ms=2000, traced=True)
        sent = await page.evaluate("window.sent.map((data) => JSON.parse(data))")
    untraced, traced = (message["payload"]["extensions"]["traceparent"] for message in sent)
    assert untraced == TRACEPARENT.removesuffix("-01") + "-00"
    assert traced == TRACEPARENT
    assert [message["type"] for message in sent] == ["subscribe", "subscribe"]
