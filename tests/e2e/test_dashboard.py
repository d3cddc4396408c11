"""The Dashboard page while load runs: its figures change from one second to the next."""

import itertools
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

#: Background load while the page is watched: heartbeats (each one command) per second.
LOAD = {"batch_size": 20, "sleep_ms": 100}
WATCHED = ("dashboard-at", "dashboard-commands", "dashboard-answers", "dashboard-cpu-kafka-1")


@pytest.fixture
def load_running() -> Iterator[None]:
    """200 msg/s from the heartbeat for the test; its own setting comes back afterwards."""
    offset = int(os.environ.get("OPEN_BANK_PORT_OFFSET", "0"))
    url = f"http://127.0.0.1:{9103 + offset}/settings"
    before = httpx.get(url, timeout=5).json()
    httpx.put(url, json=LOAD, timeout=5).raise_for_status()
    try:
        yield
    finally:
        restore = {"batch_size": before["batch_size"], "sleep_ms": before["sleep_ms"]}
        httpx.put(url, json=restore, timeout=5).raise_for_status()


def _figures(page: Page) -> dict[str, str]:
    return {test_id: page.get_by_test_id(test_id).inner_text() for test_id in WATCHED}


def test_the_dashboard_moves_every_second_under_load(
    load_running: None,
    new_page: Callable[[], Page],
    new_phone_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    open_route(page, "dashboard")
    expect(page).to_have_title("Dashboard · open-bank")
    # Rates need two samples, the load a few seconds to show in them.
    expect(page.get_by_test_id("dashboard-commands")).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    readings = []
    for _ in range(4):
        readings.append(_figures(page))
        time.sleep(1.0)
    times = [reading["dashboard-at"] for reading in readings]
    # A new sample each second (one may be late on a busy machine, not two in a row).
    assert len(set(times)) >= 3, times
    for earlier, later in itertools.pairwise(readings):
        if earlier["dashboard-at"] != later["dashboard-at"]:
            changed = [k for k in WATCHED[1:] if earlier[k] != later[k]]
            assert changed, (earlier, later)
    # Latency comes from the handler's histogram; lag for every service group.
    expect(page.get_by_test_id("dashboard-latency-command-p99")).to_have_text(
        re.compile(r"^\d[\d,]*\.\d$")
    )
    for group in ("command-handler", "backend-projector", "command-generator"):
        expect(page.get_by_test_id(f"dashboard-lag-{group}")).to_have_text(
            re.compile(r"^\d[\d,]*$")
        )
    for chart in ("throughput", "latency", "lag", "cpu", "rss"):
        expect(page.get_by_test_id(f"chart-{chart}").locator("canvas")).to_be_visible()
    assert screenshot(page, "desktop").stat().st_size > 0

    phone = new_phone_page()
    open_route(phone, "dashboard")
    expect(phone.get_by_test_id("dashboard-commands")).to_have_text(re.compile(r"^\d[\d,]*$"))
    viewport = phone.viewport_size
    assert viewport is not None
    assert phone.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert screenshot(phone, "phone").stat().st_size > 0
