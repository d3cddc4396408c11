"""The generator's state: beats become commands, AUTO confirmations become accounts."""

from __future__ import annotations

import random
import uuid
from itertools import count

from hypothesis import given
from hypothesis import strategies as st

from load.generator.commands import GeneratorState
from load.generator.mix import GeneratedAccount
from tests.support.company import COMPANY_TEST_TOKEN
from topology.iban import COMPANY_IBAN
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

COMPANY = GeneratedAccount(iban=COMPANY_IBAN, token=COMPANY_TEST_TOKEN)


def _state(seed: int = 3) -> GeneratorState:
    ids = count(1)
    return GeneratorState(
        company=COMPANY, rng=random.Random(seed), new_id=lambda: uuid.UUID(int=next(ids))
    )


def _confirmed(iban: str, a_type: Atype = Atype.AUTO) -> AccountCreationConfirmed:
    return AccountCreationConfirmed(id=uuid.uuid4(), iban=iban, token="7" * 20, a_type=a_type)


def test_the_first_beats_open_auto_accounts() -> None:
    state = _state()
    command = state.command_for_beat(0)
    assert command == ConfirmAccountCreation(id=uuid.UUID(int=1), a_type=Atype.AUTO)
    assert isinstance(state.command_for_beat(200), ConfirmAccountCreation)
    assert isinstance(state.command_for_beat(21), ConfirmMoneyTransfer)


def test_a_new_auto_account_is_kept_and_paid_a_salary() -> None:
    state = _state()
    salary = state.on_account_confirmed(_confirmed("NL31OPEN0123456789"))
    assert salary is not None
    assert (salary.from_, salary.to, salary.token) == (
        COMPANY.iban,
        "NL31OPEN0123456789",
        COMPANY.token,
    )
    assert salary.description == "salary"
    assert [account.iban for account in state.accounts] == ["NL31OPEN0123456789"]


def test_manual_and_repeated_confirmations_are_not_paid() -> None:
    state = _state()
    assert state.on_account_confirmed(_confirmed("NL75OPEN0987654321", Atype.MANUAL)) is None
    assert state.on_account_confirmed(_confirmed("NL31OPEN0123456789")) is not None
    assert state.on_account_confirmed(_confirmed("NL31OPEN0123456789")) is None
    assert len(state.accounts) == 1


@given(st.integers(min_value=20, max_value=10**9).filter(lambda beat: beat % 200 != 0))
def test_transfers_spend_only_known_accounts(beat: int) -> None:
    state = _state(beat)
    state.on_account_confirmed(_confirmed("NL31OPEN0123456789"))
    command = state.command_for_beat(beat)
    assert isinstance(command, ConfirmMoneyTransfer)
    assert command.from_ in {"cash", COMPANY.iban, "NL31OPEN0123456789"}
    assert command.amount > 0
    assert state.kind_of(command) in {"salary", "deposit", "withdraw", "shop", "transfer"}


def test_metric_label_of_an_account_opening() -> None:
    state = _state()
    assert state.kind_of(state.command_for_beat(5)) == "open_account"
