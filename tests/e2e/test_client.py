"""The Client page against the whole stack: register, deposit, transfer, and each failure
reason shown next to what failed."""

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

COMPANY_IBAN = "NL66OPEN0000000000"


def test_register_and_deposit_ten_euros(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    register(page)
    expect(page.get_by_test_id("balance")).to_have_text("€0,00")
    page.get_by_test_id("deposit-1000").click()
    newest = page.get_by_test_id("transactions").get_by_test_id("transaction").first
    expect(newest.get_by_test_id("transaction-amount")).to_have_text("€10,00")
    expect(newest).to_have_attribute("data-direction", "CREDIT")
    expect(newest.get_by_test_id("transaction-counterparty")).to_have_text("cash")
    expect(page.get_by_test_id("balance")).to_have_text("€10,00")
    expect(page.get_by_test_id("deposit-status")).to_have_text("€10,00 deposited.")
    screenshot(page, "client")


def test_transfer_to_the_company_shows_on_home(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    transfer: Callable[[Page, str, str, str], None],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    _, _, iban = register(page)
    page.get_by_test_id("deposit-5000").click()
    expect(page.get_by_test_id("balance")).to_have_text("€50,00")
    description = f"e2e {uuid.uuid4().hex[:8]}"
    transfer(page, "12,34", "nl66 open 0000 0000 00", description)
    expect(page.get_by_test_id("transfer-status")).to_have_text(
        f"€12,34 transferred to {COMPANY_IBAN}."
    )
    expect(page.get_by_test_id("balance")).to_have_text("€37,66")

    home = new_page()
    open_route(home, "")
    credit = home.get_by_test_id("transaction").filter(has_text=description)
    expect(credit.get_by_test_id("transaction-amount")).to_have_text("€12,34")
    expect(credit.get_by_test_id("transaction-counterparty")).to_have_text(iban)
    expect(credit).to_have_attribute("data-direction", "CREDIT")
    screenshot(home, "home")


def test_wrong_password_is_shown_at_the_password(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    login: Callable[[Page, str, str], str],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    username, password, iban = register(page)
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password + "-wrong")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-password-error")).to_have_text("Incorrect password")
    expect(page.get_by_test_id("login-password")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "wrong-password")
    # The right password still opens the same account.
    assert login(page, username, password) == iban


def test_insufficient_funds_is_shown_at_the_amount(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    transfer: Callable[[Page, str, str, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_page()
    register(page)
    # A new account may go down to -€500,00, not further.
    transfer(page, "500,01", COMPANY_IBAN, "too much")
    expect(page.get_by_test_id("transfer-amount-error")).to_have_text("Insufficient funds")
    expect(page.get_by_test_id("transfer-status")).to_have_text("Transfer failed.")
    expect(page.get_by_test_id("balance")).to_have_text("€0,00")
    screenshot(page, "insufficient-funds")


def test_mistakes_are_explained_before_sending(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    transfer: Callable[[Page, str, str, str], None],
    open_route: Callable[[Page, str], None],
) -> None:
    page = new_page()
    open_route(page, "client")
    page.get_by_test_id("login-username").fill("short")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-username-error")).to_contain_text("at least 8 characters")
    expect(page.get_by_test_id("login-password-error")).to_contain_text("at least 8 characters")

    _, _, iban = register(page)
    transfer(page, "12,345", iban, "x" * 201)
    expect(page.get_by_test_id("transfer-to-error")).to_contain_text("your own account")
    expect(page.get_by_test_id("transfer-description-error")).to_contain_text("at most 200")
    transfer(page, "abc", "NL67OPEN0000000000", "")
    expect(page.get_by_test_id("transfer-amount-error")).to_contain_text("Use only digits")
    expect(page.get_by_test_id("transfer-to-error")).to_contain_text("check digits")
    # Nothing was sent: no transaction appeared.
    expect(page.get_by_test_id("transactions-empty")).to_be_visible()


def test_list_size_is_choosable(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
) -> None:
    page = new_page()
    register(page)
    page.get_by_test_id("transactions-size").select_option("5")
    for _ in range(6):
        page.get_by_test_id("deposit-1000").click()
        expect(page.get_by_test_id("deposit-status")).to_have_text("€10,00 deposited.")
    expect(page.get_by_test_id("balance")).to_have_text("€60,00")
    expect(page.get_by_test_id("transaction")).to_have_count(5)
    page.get_by_test_id("transactions-size").select_option("10")
    expect(page.get_by_test_id("transaction")).to_have_count(6)
    # Newest first: balances shown go down from €60,00.
    expect(page.get_by_test_id("transaction-balance").first).to_have_text("€60,00")
    expect(page.get_by_test_id("transaction-balance").last).to_have_text("€10,00")
