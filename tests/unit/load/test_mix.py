"""The command generator's mix: weights, amounts and who pays whom."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from load.generator.mix import (
    CASH,
    CASH_AMOUNTS_CENTS,
    MIX_TOTAL,
    SHOP,
    GeneratedAccount,
    TransferKind,
    choose_kind,
    opens_account,
    plan_salary,
    plan_transfer,
)
from tests.support.company import COMPANY_TEST_TOKEN
from topology.iban import COMPANY_IBAN

COMPANY = GeneratedAccount(iban=COMPANY_IBAN, token=COMPANY_TEST_TOKEN)
ACCOUNTS = [
    GeneratedAccount(iban="NL31OPEN0123456789", token="1" * 20),
    GeneratedAccount(iban="NL75OPEN0987654321", token="2" * 20),
]


def test_first_twenty_beats_and_every_200th_open_accounts() -> None:
    opening = [beat for beat in range(1001) if opens_account(beat)]
    assert opening == [*range(20), 200, 400, 600, 800, 1000]


def test_roll_weights_match_the_original() -> None:
    counts = Counter(choose_kind(roll) for roll in range(MIX_TOTAL))
    assert counts == {
        TransferKind.SALARY: 1,
        TransferKind.DEPOSIT: 3,
        TransferKind.WITHDRAW: 10,
        TransferKind.SHOP: 40,
        TransferKind.TRANSFER: 16,
    }


@given(st.integers().filter(lambda roll: not 0 <= roll < MIX_TOTAL))
def test_rolls_outside_the_range_are_refused(roll: int) -> None:
    with pytest.raises(ValueError, match="roll must be in"):
        choose_kind(roll)


def test_salary_comes_from_the_company() -> None:
    plan = plan_salary("NL31OPEN0123456789", COMPANY, random.Random(1))
    assert plan.from_ == COMPANY.iban
    assert plan.token == COMPANY.token
    assert plan.to == "NL31OPEN0123456789"
    assert 220_000 <= plan.amount_cents < 270_000


@given(st.integers(min_value=0, max_value=2**32), st.booleans())
def test_every_plan_is_a_valid_command(seed: int, with_accounts: bool) -> None:
    accounts = ACCOUNTS if with_accounts else []
    known = {account.iban: account.token for account in [*accounts, COMPANY]}
    plan = plan_transfer(accounts, COMPANY, random.Random(seed))
    assert plan.amount_cents > 0
    assert plan.description == plan.kind.value
    if plan.kind is TransferKind.DEPOSIT:
        assert (plan.from_, plan.token) == (CASH, CASH)
        assert plan.to in known
        assert plan.amount_cents in CASH_AMOUNTS_CENTS
    else:
        # Every debit of a known account carries that account's own token.
        assert known[plan.from_] == plan.token
    if plan.kind is TransferKind.WITHDRAW:
        assert plan.to == CASH
        assert plan.amount_cents in CASH_AMOUNTS_CENTS
    if plan.kind is TransferKind.SHOP:
        assert plan.to == SHOP
        assert 1_000 <= plan.amount_cents < 11_000
    if plan.kind is TransferKind.TRANSFER:
        assert plan.to in known


def test_without_accounts_the_company_account_stands_in() -> None:
    plans = [plan_transfer([], COMPANY, random.Random(seed)) for seed in range(200)]
    assert {plan.from_ for plan in plans} <= {COMPANY.iban, CASH}


def test_the_mix_over_many_draws_is_close_to_the_weights() -> None:
    rng = random.Random(7)
    counts = Counter(plan_transfer(ACCOUNTS, COMPANY, rng).kind for _ in range(70_000))
    assert abs(counts[TransferKind.SHOP] - 40_000) < 1_000
    assert abs(counts[TransferKind.TRANSFER] - 16_000) < 700
    assert abs(counts[TransferKind.WITHDRAW] - 10_000) < 600


def test_an_account_shows_no_token_in_its_repr() -> None:
    assert COMPANY_TEST_TOKEN not in repr(COMPANY)
    assert COMPANY_IBAN in repr(COMPANY)
