"""The Events page: a transfer's command, its answer and its balance changes, with their
place in the log, after a click on the command."""

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PLACE = re.compile(r"partition \d+ · offset \d+ · schema \d+")


def test_a_transfer_s_command_answer_and_balance_changes(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    transfer: Callable[[Page, str, str, str], None],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    payer, payee = new_page(), new_page()
    _, _, payer_iban = register(payer)
    _, _, payee_iban = register(payee)
    payer.get_by_test_id("deposit-50000").click()
    expect(payer.get_by_test_id("balance")).to_have_text("€500,00")

    events = new_page()
    open_route(events, "events")
    expect(events.get_by_test_id("event-row").first).to_be_visible()  # the recent past
    events.get_by_test_id("events-iban").fill(payer_iban)
    events.get_by_test_id("events-filter-submit").click()
    expect(events.get_by_test_id("events-filter")).to_have_text(f"Showing account {payer_iban}.")

    description = f"e2e events {uuid.uuid4().hex[:8]}"
    transfer(payer, "12,34", payee_iban, description)
    expect(payer.get_by_test_id("transfer-status")).to_contain_text("transferred")

    command = events.locator(
        "[data-testid=event-row][data-record-type=ConfirmMoneyTransfer]",
        has_text=description,
    )
    expect(command).to_have_count(1)
    assert command.get_attribute("data-topic") == "commands"
    assert re.fullmatch(r"\d+", command.get_attribute("data-offset") or "")
    command_id = command.get_attribute("data-command-id")
    # Its answer and the payer's balance change stream in too (the payee's change is a
    # record of another account).
    answer_row = events.locator(
        f"[data-testid=event-row][data-record-type=MoneyTransferConfirmed]"
        f"[data-command-id='{command_id}']"
    )
    expect(answer_row).to_have_count(1)
    payer_change = events.locator(
        "[data-testid=event-row][data-topic=balance_changed]", has_text=description
    )
    expect(payer_change).to_have_count(1)
    expect(payer_change).to_contain_text(f"iban={payer_iban}")

    command.get_by_test_id("event-open").click()
    chain = events.get_by_test_id("event-chain")
    expect(chain.get_by_test_id("chain-command")).to_contain_text(description)
    expect(chain.get_by_test_id("chain-command")).to_contain_text("hidden")  # the token
    answer = chain.get_by_test_id("chain-answer")
    expect(answer).to_contain_text("MoneyTransferConfirmed")
    expect(answer).to_contain_text(PLACE)
    changes = chain.get_by_test_id("chain-change")
    expect(changes).to_have_count(2)
    for iban, changed_by in ((payer_iban, "-1234"), (payee_iban, "1234")):
        change = changes.filter(has_text=f"iban{iban}")
        expect(change).to_have_count(1)
        expect(change).to_contain_text(f"changed_by{changed_by}")
        expect(change).to_contain_text(PLACE)
    screenshot(events, "chain")


def test_the_events_page_fits_a_phone(
    new_phone_page: Callable[[], Page],
    open_route: Callable[[Page, str], None],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = new_phone_page()
    open_route(page, "events")
    expect(page).to_have_title("Events · open-bank")
    expect(page.get_by_test_id("event-row").first).to_be_visible()
    viewport = page.viewport_size
    assert viewport is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "phone")


def test_pause_holds_the_rows_still_and_resume_draws_what_came(
    new_page: Callable[[], Page],
    register: Callable[[Page], tuple[str, str, str]],
    open_route: Callable[[Page, str], None],
) -> None:
    client = new_page()
    _, _, iban = register(client)
    events = new_page()
    open_route(events, "events")
    events.get_by_test_id("events-iban").fill(iban)
    events.get_by_test_id("events-filter-submit").click()
    rows = events.locator("[data-testid=event-row][data-topic=balance_changed]")
    created = events.locator("[data-testid=event-row][data-record-type=AccountCreationConfirmed]")
    expect(created).to_have_count(1)  # the account's past is drawn: what comes next is new

    events.get_by_test_id("events-pause").click()
    state = events.get_by_test_id("events-state")
    expect(state).to_have_attribute("data-state", "paused")
    client.get_by_test_id("deposit-1000").click()
    expect(client.get_by_test_id("balance")).to_have_text("€10,00")
    expect(state).to_contain_text("Paused: 3 new records waiting")  # command, answer, change
    expect(rows).to_have_count(0)

    events.get_by_test_id("events-pause").click()
    expect(state).to_have_attribute("data-state", "live")
    expect(rows).to_have_count(1)
