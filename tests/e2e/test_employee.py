"""The Bank employee page: accounts listed, one followed live."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_employee_follows_an_account_live(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    client = new_page()
    _, _, iban = register(client)
    client.get_by_test_id("deposit-2000").click()
    expect(client.get_by_test_id("balance")).to_have_text("€20,00")

    employee = new_page()
    open_route(employee, "employee")
    expect(employee.get_by_test_id("accounts-page")).to_contain_text("accounts")
    expect(employee.get_by_test_id("account-row").first).to_be_visible()
    employee.get_by_test_id("follow-iban").fill(iban)
    employee.get_by_test_id("follow-submit").click()
    expect(employee.get_by_test_id("followed-iban")).to_have_text(iban)
    expect(employee.get_by_test_id("balance")).to_have_text("€20,00")

    # A deposit made by the client shows on the employee's page without a reload.
    client.get_by_test_id("deposit-50000").click()
    newest = employee.get_by_test_id("transactions").get_by_test_id("transaction").first
    expect(newest.get_by_test_id("transaction-amount")).to_have_text("€500,00")
    expect(employee.get_by_test_id("balance")).to_have_text("€520,00")
    screenshot(employee, "employee")


def test_employee_follows_from_the_accounts_table(
    new_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
) -> None:
    page = new_page()
    open_route(page, "employee")
    row = page.get_by_test_id("account-row").first
    expect(row).to_be_visible()
    iban = row.get_attribute("data-iban")
    assert iban
    row.get_by_role("button", name="Follow").click()
    expect(page.get_by_test_id("followed-iban")).to_have_text(iban)
    expect(page.get_by_test_id("transaction").first).to_be_visible()
    page.get_by_test_id("unfollow").click()
    expect(page.get_by_test_id("followed")).to_be_hidden()


def test_accounts_hold_still_for_the_keyboard(
    new_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
) -> None:
    page = new_page()
    open_route(page, "employee")
    button = page.get_by_test_id("account-row").first.get_by_role("button", name="Follow")
    button.focus()
    focused_id = page.evaluate("document.activeElement.dataset.testid")
    assert focused_id.startswith("follow-NL")
    # Longer than a redraw period: live updates must not take the focus away.
    page.wait_for_timeout(2_500)
    assert page.evaluate("document.activeElement.dataset.testid") == focused_id
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("followed-iban")).to_have_text(focused_id.removeprefix("follow-"))
