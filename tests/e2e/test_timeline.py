"""A deposit's timeline on the Client page: its trace read back from Zipkin, every hop from
the click to the screen."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.trace_hops import HOPS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_a_deposit_shows_its_timeline_from_click_to_screen(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    register(page)
    page.get_by_test_id("deposit-2000").click()
    newest = page.get_by_test_id("transactions").get_by_test_id("transaction").first
    expect(newest.get_by_test_id("transaction-amount")).to_have_text("€20,00")

    newest.get_by_test_id("transaction-timeline-toggle").click()
    timeline = newest.get_by_test_id("transaction-timeline")
    # The services send their spans within about a second; the page asks again meanwhile.
    hops = timeline.get_by_test_id("timeline-hop")
    expect(hops).to_have_count(len(HOPS), timeout=15_000)
    for index, label in enumerate(HOPS):
        expect(hops.nth(index)).to_contain_text(label)
        expect(hops.nth(index)).to_contain_text(" ms")
    expect(timeline).to_contain_text("Total")
    screenshot(page, "timeline")
