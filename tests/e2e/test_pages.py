"""Every page opens through nginx in Chromium, on a desktop and a phone screen, without a
console error; the login form works with the keyboard alone."""

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PAGES = {
    "": "Home",
    "employee": "Bank employee",
    "client": "Client",
    "background": "Background",
}


@pytest.mark.parametrize("route", list(PAGES), ids=lambda route: route or "home")
def test_page_opens_without_console_errors(
    route: str,
    new_page: Callable[[], Page],
    new_phone_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    for size, page in (("desktop", new_page()), ("phone", new_phone_page())):
        open_route(page, route)
        expect(page).to_have_title(f"{PAGES[route]} · open-bank")
        expect(page.locator("h1")).to_be_visible()
        if route == "background":
            # The results, or the words saying there are none yet.
            drawn = page.get_by_test_id("bench-run").or_(page.get_by_test_id("bench-empty"))
            expect(drawn.first).to_be_visible()
        # Nothing sticks out sideways on a phone: the page is as wide as the screen.
        viewport = page.viewport_size
        assert viewport is not None
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert screenshot(page, size).stat().st_size > 0


def test_login_with_the_keyboard_only(
    new_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
) -> None:
    page = new_page()
    open_route(page, "client")
    page.get_by_test_id("login-username").focus()
    page.keyboard.type(f"kbd-{uuid.uuid4().hex[:10]}")
    page.keyboard.press("Tab")
    page.keyboard.type(f"pw-{uuid.uuid4().hex[:10]}")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("account-iban")).to_have_text(re.compile(r"^NL\d{2}OPEN\d{10}$"))
    # The deposit buttons are reachable by Tab and pressed with Enter.
    page.get_by_test_id("deposit-2000").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("transaction-amount").first).to_have_text("€20,00")


def test_fields_are_labelled(
    new_page: Callable[[], Page], open_route: Callable[[Page, str], None]
) -> None:
    page = new_page()
    open_route(page, "client")
    expect(page.get_by_label("Username")).to_have_attribute("data-testid", "login-username")
    expect(page.get_by_label("Password")).to_have_attribute("data-testid", "login-password")
