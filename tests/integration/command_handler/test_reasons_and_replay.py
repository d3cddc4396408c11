"""Through Kafka: every reason text is reachable, replays answer the same and change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from bench.handler_process import HandlerProcess
from command_handler.domain import reasons
from tests.support.handler_bank import Bank
from topology.iban import COMPANY_IBAN, iban_from_digits
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

pytestmark = pytest.mark.integration


def _transfer(amount: int, from_: str, to: str, token: str) -> ConfirmMoneyTransfer:
    return ConfirmMoneyTransfer(
        id=uuid.uuid4(), token=token, amount=amount, from_=from_, to=to, description="it"
    )


def _open_accounts(bank: Bank, count: int) -> list[AccountCreationConfirmed]:
    commands = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL) for _ in range(count)]
    bank.send(*commands)
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in commands))
    opened = [outputs.feedback[c.id][0] for c in commands]
    confirmed = [f for f in opened if isinstance(f, AccountCreationConfirmed)]
    assert confirmed == opened
    return confirmed


def test_every_reason_text_is_reachable(
    bank: Bank, start_handler: Callable[..., HandlerProcess], throwaway_database: str
) -> None:
    start_handler("a")
    alice, bob = _open_accounts(bank, 2)
    cases = {
        _transfer(1_000, "cash", alice.iban, "cash"): None,
        _transfer(300, alice.iban, bob.iban, alice.token): None,
        _transfer(0, alice.iban, bob.iban, alice.token): reasons.AMOUNT_NOT_POSITIVE,
        _transfer(-1, alice.iban, bob.iban, alice.token): reasons.AMOUNT_NOT_POSITIVE,
        _transfer(5, "nope", bob.iban, "x"): reasons.FROM_INVALID,
        _transfer(5, alice.iban, alice.iban, alice.token): reasons.SAME_FROM_AND_TO,
        _transfer(5, alice.iban, bob.iban, bob.token): reasons.INVALID_TOKEN,
        _transfer(1_000_000, alice.iban, bob.iban, alice.token): reasons.INSUFFICIENT_FUNDS,
        _transfer(5, iban_from_digits("0999999999"), "Albert Heijn BV", "x"): (
            reasons.BOTH_UNKNOWN
        ),
        _transfer(2**63 - 1, "cash", COMPANY_IBAN, "cash"): reasons.BALANCE_TOO_LARGE,
    }
    bank.send(*cases)
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in cases))
    for command, reason in cases.items():
        (answer,) = outputs.feedback[command.id]
        if reason is None:
            assert answer == MoneyTransferConfirmed(id=command.id)
        else:
            assert answer == MoneyTransferFailed(id=command.id, reason=reason)
    changes = sorted(((c.iban, c.changed_by, c.from_to) for c in outputs.balance_changed), key=str)
    assert changes == sorted(
        [
            (alice.iban, 1_000, "cash"),
            (alice.iban, -300, bob.iban),
            (bob.iban, 300, alice.iban),
        ],
        key=str,
    )
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT iban, amount FROM balance")).all()
    balances: dict[str, int] = {str(row[0]): int(row[1]) for row in rows}
    engine.dispose()
    assert balances[alice.iban] == 700
    assert balances[bob.iban] == 300
    assert balances[COMPANY_IBAN] == 10**17


def test_a_replayed_command_id_gets_the_same_answer_and_no_new_balance_changed(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    start_handler("a")
    (carol,) = _open_accounts(bank, 1)
    # "Login": the same account creation command again gives the same iban and token.
    again = ConfirmAccountCreation(id=carol.id, a_type=Atype.MANUAL)
    deposit = _transfer(2_500, "cash", carol.iban, "cash")
    too_much = _transfer(10**9, carol.iban, COMPANY_IBAN, carol.token)
    bank.send(again, deposit, too_much)
    bank.wait_until(
        lambda o: (
            len(o.feedback[carol.id]) == 2
            and deposit.id in o.feedback
            and too_much.id in o.feedback
        )
    )
    bank.send(deposit, too_much, deposit)
    outputs = bank.wait_until(
        lambda o: len(o.feedback[deposit.id]) == 3 and len(o.feedback[too_much.id]) == 2
    )
    bank.poll(2)
    assert outputs.feedback[carol.id] == [carol, carol]
    assert outputs.feedback[deposit.id] == [MoneyTransferConfirmed(id=deposit.id)] * 3
    assert (
        outputs.feedback[too_much.id]
        == [MoneyTransferFailed(id=too_much.id, reason=reasons.INSUFFICIENT_FUNDS)] * 2
    )
    assert outputs.balance_changed == [BalanceChanged(carol.iban, 2_500, 2_500, "cash", "it")]
