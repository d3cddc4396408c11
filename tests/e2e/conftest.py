"""Fixtures for the browser tests: Debian's Chromium driven by Playwright through nginx.

The UI is reached at ``OPEN_BANK_E2E_URL`` (default ``http://127.0.0.1:8080/`` plus
``OPEN_BANK_PORT_OFFSET``). Every page a test opens records console errors and uncaught
exceptions; a test fails if any appeared. Screenshots go to
``test-artifacts/screenshots/`` (git-ignored) so a person can look at each page.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from playwright.sync_api import expect as playwright_expect

# Test modules cannot import from a conftest (importlib import mode), so the helpers reach
# them as fixtures typed with Playwright's own types and plain callables.
__all__ = [
    "allow_browser_errors",
    "bank_ui",
    "login",
    "new_page",
    "new_phone_page",
    "open_route",
    "register",
    "screenshot",
    "transfer",
    "ui_url",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
#: npm ci plus the build, on a cold npm cache (s).
BUILD_TIMEOUT_S = 100
#: Login hashes a password and waits for the command handler; transfers go through Kafka (ms).
ANSWER_TIMEOUT_MS = 20_000
IBAN = re.compile(r"^NL\d{2}OPEN\d{10}$")
# Assertions wait as long as actions do: on a loaded 2-core machine a page can take more
# than Playwright's default 5 s to render its first data.
playwright_expect.set_options(timeout=ANSWER_TIMEOUT_MS)


def _ui_url() -> str:
    configured = os.environ.get("OPEN_BANK_E2E_URL")
    if configured:
        return configured.rstrip("/") + "/"
    offset = int(os.environ.get("OPEN_BANK_PORT_OFFSET", "0"))
    return f"http://127.0.0.1:{8080 + offset}/"


def _build_ui_if_changed() -> None:
    """Test the UI as it is in the tree: rebuild `frontend/dist` if its sources changed.

    `./bank up` does the same before it starts nginx; this covers running pytest right
    after editing the UI. nginx serves the new files at once.
    """
    build = subprocess.run(
        [str(REPO / "frontend" / "build.sh"), "--if-changed"],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(f"frontend/build.sh failed:\n{build.stdout}\n{build.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def ui_url() -> str:
    """The UI's address; fails (not skips) when nginx or the API does not answer."""
    url = _ui_url()
    _build_ui_if_changed()
    try:
        page = httpx.get(url, timeout=5)
        api = httpx.post(
            url + "graphql", json={"query": "{ all_last_transactions { id } }"}, timeout=10
        )
    except httpx.HTTPError as exc:
        pytest.fail(f"the UI at {url} does not answer ({exc}): run ./bank up", pytrace=False)
    if page.status_code != 200 or 'src="/assets/' not in page.text:
        pytest.fail(
            f"{url} answers {page.status_code} without the built UI: run ./bank up", pytrace=False
        )
    if api.status_code != 200 or "errors" in api.json():
        pytest.fail(
            f"{url}graphql answers {api.status_code} {api.text[:200]}: the backend is not up, "
            "run ./bank up",
            pytrace=False,
        )
    _check_backend_health()
    return url


def _check_backend_health() -> None:
    """Fail in one line when the stack's backend says it cannot reach Kafka (or more)."""
    if "OPEN_BANK_E2E_URL" in os.environ:
        return  # another deployment: its backend's health endpoint is not ours to know
    offset = int(os.environ.get("OPEN_BANK_PORT_OFFSET", "0"))
    try:
        health = httpx.get(f"http://127.0.0.1:{8000 + offset}/healthz", timeout=10)
    except httpx.HTTPError as exc:
        pytest.fail(f"the backend's /healthz does not answer ({exc}): run ./bank up", pytrace=False)
    if health.status_code != 200:
        pytest.fail(
            f"the backend is unhealthy: {health.text[:300]}; see ./bank logs backend",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class BrowserErrors:
    """Console errors and uncaught exceptions seen by the pages of one test."""

    messages: list[str] = field(default_factory=list)
    #: Messages matching one of these are expected (e.g. while the backend restarts).
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@dataclass
class BankUi:
    """Drives the UI like a person: pages, login, deposits, transfers, screenshots."""

    browser: Browser
    url: str
    errors: BrowserErrors
    test_name: str
    #: The session's typed passwords (tests/conftest.py): the log check looks for each.
    passwords: set[str] = field(default_factory=set)
    pages: list[Page] = field(default_factory=list)

    def new_page(self, *, phone: bool = False) -> Page:
        viewport: ViewportSize = (
            {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        )
        context = self.browser.new_context(viewport=viewport, is_mobile=phone)
        page = context.new_page()
        page.set_default_timeout(ANSWER_TIMEOUT_MS)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.messages.append(f"console: {message.text} at {message.location}")

        def on_page_error(error: Error) -> None:
            self.errors.messages.append(f"uncaught: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        self.pages.append(page)
        return page

    def open(self, page: Page, route: str) -> None:
        """Open ``#/route`` and wait until the live connection is up."""
        page.goto(f"{self.url}#/{route}")
        playwright_expect(page.get_by_test_id("connection-state")).to_have_attribute(
            "data-state", "connected"
        )

    def screenshot(self, page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, page: Page, username: str, password: str) -> str:
        """Log in (or register) on the Client page; returns the account number."""
        self.passwords.add(password)
        self.open(page, "client")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        iban = page.get_by_test_id("account-iban")
        playwright_expect(iban).to_have_text(IBAN)
        return iban.inner_text()

    def register(self, page: Page) -> tuple[str, str, str]:
        """A new account with unique credentials: (username, password, iban)."""
        username = f"e2e-{uuid.uuid4().hex[:12]}"
        password = f"pw-{uuid.uuid4().hex[:12]}"
        return username, password, self.login(page, username, password)

    def transfer(self, page: Page, amount: str, to: str, description: str) -> None:
        page.get_by_test_id("transfer-amount").fill(amount)
        page.get_by_test_id("transfer-to").fill(to)
        page.get_by_test_id("transfer-description").fill(description)
        page.get_by_test_id("transfer-submit").click()


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def bank_ui(
    request: pytest.FixtureRequest,
    chromium: Browser,
    ui_url: str,
    browser_errors: BrowserErrors,
    typed_passwords: set[str],
) -> Iterator[BankUi]:
    """The UI helper; after the test, fails it when a page logged an unexpected error."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    ui = BankUi(chromium, ui_url, browser_errors, name, typed_passwords)
    yield ui
    for page in ui.pages:
        page.context.close()
    unexpected = browser_errors.unexpected()
    assert not unexpected, "the browser logged errors:\n" + "\n".join(unexpected)


@pytest.fixture
def allow_browser_errors(browser_errors: BrowserErrors) -> Callable[[str], None]:
    """Accept console errors matching a regular expression in this test only."""
    return lambda pattern: browser_errors.allowed.append(re.compile(pattern))


@pytest.fixture
def new_page(bank_ui: BankUi) -> Callable[[], Page]:
    """A desktop-sized page in its own browser context (own session storage)."""
    return bank_ui.new_page


@pytest.fixture
def new_phone_page(bank_ui: BankUi) -> Callable[[], Page]:
    """A phone-sized page (390x844, touch) in its own browser context."""
    return lambda: bank_ui.new_page(phone=True)


@pytest.fixture
def open_route(bank_ui: BankUi) -> Callable[[Page, str], None]:
    return bank_ui.open


@pytest.fixture
def screenshot(bank_ui: BankUi) -> Callable[[Page, str], Path]:
    return bank_ui.screenshot


@pytest.fixture
def login(bank_ui: BankUi) -> Callable[[Page, str, str], str]:
    return bank_ui.login


@pytest.fixture
def register(bank_ui: BankUi) -> Callable[[Page], tuple[str, str, str]]:
    return bank_ui.register


@pytest.fixture
def transfer(bank_ui: BankUi) -> Callable[[Page, str, str, str], None]:
    return bank_ui.transfer
