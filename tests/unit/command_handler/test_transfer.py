"""The transfer rules, one reason at a time, in the original's order."""

from __future__ import annotations

import uuid

import pytest

from command_handler.domain import Account, decide_money_transfer, reasons
from tests.support.company import COMPANY_TEST_TOKEN
from topology.iban import COMPANY_IBAN, iban_from_digits
from topology.records import (
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

ALICE = Account(iban_from_digits("0000000001"), "1" * 20, 1_000)
BOB = Account(iban_from_digits("0000000002"), "2" * 20, 0)
COMPANY = Account(COMPANY_IBAN, COMPANY_TEST_TOKEN, 10**17)
ACCOUNTS = {a.iban: a for a in (ALICE, BOB, COMPANY)}
UNKNOWN_IBAN = iban_from_digits("0999999999")


def transfer(
    amount: int = 100, from_: str = ALICE.iban, to: str = BOB.iban, token: str = ALICE.token
) -> ConfirmMoneyTransfer:
    return ConfirmMoneyTransfer(
        id=uuid.uuid4(), token=token, amount=amount, from_=from_, to=to, description="test"
    )


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (transfer(amount=0), reasons.AMOUNT_NOT_POSITIVE),
        (transfer(amount=-5), reasons.AMOUNT_NOT_POSITIVE),
        (transfer(from_="NL00OPEN0000000001"), reasons.FROM_INVALID),
        (transfer(from_="Albert Heijn BV"), reasons.FROM_INVALID),
        (transfer(to=ALICE.iban), reasons.SAME_FROM_AND_TO),
        (transfer(from_="cash", to="cash", token="cash"), reasons.SAME_FROM_AND_TO),
        (transfer(token="wrong"), reasons.INVALID_TOKEN),
        (transfer(amount=51_001), reasons.INSUFFICIENT_FUNDS),
        (transfer(from_=UNKNOWN_IBAN, to="cash"), reasons.BOTH_UNKNOWN),
        (transfer(from_="cash", token="cash", to=UNKNOWN_IBAN), reasons.BOTH_UNKNOWN),
        (
            transfer(from_="cash", token="cash", to=COMPANY_IBAN, amount=2**63 - 1),
            reasons.BALANCE_TOO_LARGE,
        ),
    ],
)
def test_each_reason(command: ConfirmMoneyTransfer, reason: str) -> None:
    outcome = decide_money_transfer(command, ACCOUNTS)
    assert outcome.feedback == MoneyTransferFailed(id=command.id, reason=reason)
    assert outcome.changes == ()
    assert outcome.reason == reason


def test_checks_come_in_the_original_order() -> None:
    # Invalid `from`, same from/to and a wrong token at once: `from is invalid` wins.
    command = transfer(from_="nope", to="nope", token="wrong", amount=10**9)
    assert decide_money_transfer(command, ACCOUNTS).reason == reasons.FROM_INVALID
    command = transfer(to=ALICE.iban, token="wrong", amount=10**9)
    assert decide_money_transfer(command, ACCOUNTS).reason == reasons.SAME_FROM_AND_TO
    command = transfer(token="wrong", amount=10**9)
    assert decide_money_transfer(command, ACCOUNTS).reason == reasons.INVALID_TOKEN


def test_transfer_inside_the_bank_debits_then_credits() -> None:
    command = transfer(amount=300)
    outcome = decide_money_transfer(command, ACCOUNTS)
    assert outcome.feedback == MoneyTransferConfirmed(id=command.id)
    assert outcome.reason is None
    assert outcome.changes == (
        BalanceChanged(ALICE.iban, 700, -300, BOB.iban, "test", command.id),
        BalanceChanged(BOB.iban, 300, 300, ALICE.iban, "test", command.id),
    )


def test_may_go_down_to_the_limit_exactly() -> None:
    outcome = decide_money_transfer(transfer(amount=51_000), ACCOUNTS)
    assert outcome.reason is None
    assert outcome.changes[0].new_balance == -50_000


def test_cash_deposit_only_credits() -> None:
    command = transfer(from_="cash", token="cash", to=BOB.iban, amount=1_000)
    outcome = decide_money_transfer(command, ACCOUNTS)
    assert outcome.changes == (BalanceChanged(BOB.iban, 1_000, 1_000, "cash", "test", command.id),)


def test_transfer_out_of_the_bank_only_debits() -> None:
    command = transfer(to="Albert Heijn BV", amount=250)
    outcome = decide_money_transfer(command, ACCOUNTS)
    assert outcome.changes == (
        BalanceChanged(ALICE.iban, 750, -250, "Albert Heijn BV", "test", command.id),
    )


def test_unknown_but_valid_from_credits_a_known_to() -> None:
    # The original credits `to` when `from` is a valid iban of another bank.
    command = transfer(from_=UNKNOWN_IBAN, token="whatever", amount=5)
    outcome = decide_money_transfer(command, ACCOUNTS)
    assert outcome.changes == (BalanceChanged(BOB.iban, 5, 5, UNKNOWN_IBAN, "test", command.id),)


def test_a_previous_answer_is_repeated_without_changes() -> None:
    command = transfer(amount=300)
    previous = MoneyTransferFailed(id=command.id, reason=reasons.INSUFFICIENT_FUNDS)
    outcome = decide_money_transfer(command, ACCOUNTS, previous)
    assert outcome.feedback == previous
    assert outcome.changes == ()
    assert outcome.replayed
