"""The deposit budget per client address: cents per hour, refilled continuously."""

import pytest

from backend.deposits import DepositBudget, DepositLimitError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_deposits_its_hourly_budget_then_waits() -> None:
    clock = Clock()
    budget = DepositBudget(360_000, clock=clock)  # 100 cents a second
    budget.take("10.0.0.1", 300_000)
    budget.take("10.0.0.1", 60_000)
    with pytest.raises(DepositLimitError) as refused:
        budget.take("10.0.0.1", 1_000)
    assert refused.value.extensions == {"code": "RATE_LIMITED", "subject": "deposits"}
    assert str(refused.value) == (
        "deposits from this address are limited to €3.600,00 per hour, retry in 10 s"
    )
    budget.take("10.0.0.2", 360_000)  # another address has its own budget
    clock.now += 10
    budget.take("10.0.0.1", 1_000)


def test_a_refused_deposit_spends_nothing_and_the_budget_never_exceeds_an_hour() -> None:
    clock = Clock()
    budget = DepositBudget(3_600, clock=clock)
    with pytest.raises(DepositLimitError):
        budget.take("a", 3_601)
    budget.take("a", 3_600)
    clock.now += 10 * 3600
    budget.take("a", 3_600)
    with pytest.raises(DepositLimitError):
        budget.take("a", 1)


def test_addresses_are_bounded() -> None:
    budget = DepositBudget(100, max_keys=2, clock=Clock())
    budget.take("a", 100)
    budget.take("b", 1)
    budget.take("c", 1)  # evicts "a"
    budget.take("a", 100)
