"""The benchmark's person: a headless Chromium (Playwright) using the Client page.

Playwright's own browser download is never used: the Debian ``chromium`` package at
``/usr/bin/chromium`` is started with the flags below (no sandbox: we run as root; no
background networking, so the browser talks to nginx only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, Page, Playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bench import page_script
from bench.interactions import COMPANY_IBAN, Interaction

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "BankPage",
    "LoginFailedError",
    "Measurement",
    "launch_chromium",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_LOGIN_TIMEOUT_MS = 60_000


class LoginFailedError(RuntimeError):
    """The benchmark's person could not log in: the UI or the backend is not working."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """Milliseconds from click to the amount showing; None for a time-out."""

    latency_ms: float | None
    polled_ms: float | None
    error: str | None = None
    answered_ms: float | None = None
    """Click to the form's status line showing the command's answer (ok or error)."""
    painted_ms: float | None = None
    """Click to the first animation frame after the DOM change (the change on screen)."""


async def launch_chromium(playwright: Playwright, executable: str = CHROMIUM) -> Browser:
    """Start the system Chromium, headless."""
    return await playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


class BankPage:
    """The Client page of one logged-in person, able to deposit and transfer."""

    def __init__(self, page: Page) -> None:
        self._page = page

    @classmethod
    async def login(cls, browser: Browser, base_url: str, username: str, password: str) -> BankPage:
        """Open the Client page, log in (or register) and wait for the deposit buttons."""
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base_url.rstrip('/')}/#/client")
        await page.get_by_test_id("login-username").fill(username)
        await page.get_by_test_id("login-password").fill(password)
        await page.get_by_test_id("login-submit").click()
        try:
            await page.get_by_test_id("deposit-1000").wait_for(timeout=_LOGIN_TIMEOUT_MS)
        except PlaywrightTimeout as error:
            status = await page.get_by_test_id("login-status").text_content()
            raise LoginFailedError(
                f"no account page {_LOGIN_TIMEOUT_MS} ms after logging in at {base_url}"
                f" (the page says: {status or 'nothing'})"
            ) from error
        await page.get_by_test_id("transactions").wait_for(state="attached")
        await page.evaluate(page_script.INSTALL)
        return cls(page)

    async def _act(self, interaction: Interaction, timeout_ms: int) -> None:
        # Every action gets the interaction's time-out: a missing button is a time-out
        # of that interaction, not a 30 s stall of the run.
        page = self._page
        if interaction.kind == "deposit":
            button = page.get_by_test_id(f"deposit-{interaction.amount_cents}")
            await button.click(timeout=timeout_ms)
            return
        # Filling is not timed: the clock starts at the submit button's click event.
        fields = {
            "transfer-amount": interaction.typed_amount,
            "transfer-to": COMPANY_IBAN,
            "transfer-description": interaction.description,
        }
        for test_id, text in fields.items():
            await page.get_by_test_id(test_id).fill(text, timeout=timeout_ms)
        await page.get_by_test_id("transfer-submit").click(timeout=timeout_ms)

    async def measure(
        self, interaction: Interaction, timeout_ms: int, *, traced: bool = True
    ) -> Measurement:
        """Click, then wait up to ``timeout_ms`` for the new amount in the list; with
        ``traced`` false the click's trace context goes out not sampled."""
        page = self._page
        status_id = f"{interaction.kind}-status"
        await page.evaluate(page_script.ARM, [interaction.expected_text, status_id, traced])
        error: str | None = None
        try:
            await self._act(interaction, timeout_ms)
            await page.wait_for_function(page_script.SETTLED, timeout=timeout_ms)
        except PlaywrightTimeout:
            error = "timeout"
        times = await page.evaluate(page_script.READ)
        await page.evaluate(page_script.DISARM)
        return _measurement(times, error)


def _since(click: float, then: float | None) -> float | None:
    return None if then is None else round(then - click, 2)


def _measurement(times: dict[str, Any] | None, error: str | None) -> Measurement:
    click = None if times is None else times.get("clickAt")
    if times is None or click is None:
        return Measurement(None, None, error or "click not seen")
    observed = times.get("observedAt")
    if times.get("answer") == "error":
        # The bank refused (the status line says why): that is the row's error, even when
        # the list shows nothing new and the interaction times out.
        error = f"refused: {times.get('answerText')}"
    elif observed is not None:
        error = None
    return Measurement(
        latency_ms=_since(click, observed),
        polled_ms=_since(click, times.get("polledAt")),
        error=error,
        answered_ms=_since(click, times.get("answeredAt")),
        painted_ms=_since(click, times.get("paintedAt")),
    )
