"""The command mix of the original command generator, as pure functions.

Per heartbeat the generator either opens an AUTO account (beats 0-19 and every 200th) or
sends one money transfer whose kind is drawn with the original's weights out of 70:
salary 1, deposit 3, withdraw 10, shop payment 40, transfer between accounts 16.
Randomness is passed in (anything with ``randrange`` and ``choice``, e.g. ``random.Random``)
so the choices can be tested with a seeded or scripted source.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

__all__ = [
    "CASH",
    "CASH_AMOUNTS_CENTS",
    "MIX_TOTAL",
    "SHOP",
    "GeneratedAccount",
    "RandomSource",
    "TransferKind",
    "TransferPlan",
    "choose_kind",
    "opens_account",
    "plan_salary",
    "plan_transfer",
]

_T = TypeVar("_T")

MIX_TOTAL = 70
"""The original draws ``rand-int 70`` and cuts the range at 1, 4, 14 and 54."""

CASH = "cash"
"""Counter-party of deposits and withdrawals; also the token of a deposit."""

SHOP = "Albert Heijn BV"
"""Counter-party of shop payments: not an account of this bank, so only a debit."""

CASH_AMOUNTS_CENTS: tuple[int, ...] = tuple(1000 * euros for euros in (2, 2, 2, 3, 5, 5, 10, 20))
"""Deposit and withdrawal amounts in cents (the original's cash amounts, €20 to €200)."""

SALARY_BASE_CENTS = 220_000
SALARY_SPREAD_CENTS = 50_000
OTHER_BASE_CENTS = 1_000
OTHER_SPREAD_CENTS = 10_000


class RandomSource(Protocol):
    """The part of ``random.Random`` the mix needs; pass a seeded one in tests."""

    def randrange(self, stop: int, /) -> int: ...

    def choice(self, seq: Sequence[_T], /) -> _T: ...


class TransferKind(enum.Enum):
    """What a generated money transfer stands for; the value is its description."""

    SALARY = "salary"
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"
    SHOP = "ah pin"
    TRANSFER = "transfer"


@dataclass(frozen=True, slots=True)
class GeneratedAccount:
    """An account the generator may spend from: its iban and its token (kept out of the
    repr, so a logged account shows no key)."""

    iban: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """The fields of one ConfirmMoneyTransfer, amount in cents; the id is added later."""

    kind: TransferKind
    token: str
    amount_cents: int
    from_: str
    to: str
    description: str


def opens_account(beat: int) -> bool:
    """True when this beat opens an AUTO account rather than sending a transfer."""
    return beat < 20 or beat % 200 == 0


def choose_kind(roll: int) -> TransferKind:
    """Map a roll in ``[0, 70)`` to a transfer kind with the original's weights."""
    if not 0 <= roll < MIX_TOTAL:
        raise ValueError(f"roll must be in [0, {MIX_TOTAL}), got {roll}")
    if roll < 1:
        return TransferKind.SALARY
    if roll < 4:
        return TransferKind.DEPOSIT
    if roll < 14:
        return TransferKind.WITHDRAW
    if roll < 54:
        return TransferKind.SHOP
    return TransferKind.TRANSFER


def _pick_account(
    accounts: Sequence[GeneratedAccount], company: GeneratedAccount, rng: RandomSource
) -> GeneratedAccount:
    # Like the original: before any AUTO account is confirmed the company account is used.
    return rng.choice(accounts) if accounts else company


def plan_salary(to_iban: str, company: GeneratedAccount, rng: RandomSource) -> TransferPlan:
    """A salary from the `company` account (its iban and secret token), €2,200 to
    €2,699.99; paid to each new account."""
    return TransferPlan(
        kind=TransferKind.SALARY,
        token=company.token,
        amount_cents=SALARY_BASE_CENTS + rng.randrange(SALARY_SPREAD_CENTS),
        from_=company.iban,
        to=to_iban,
        description=TransferKind.SALARY.value,
    )


def plan_transfer(
    accounts: Sequence[GeneratedAccount], company: GeneratedAccount, rng: RandomSource
) -> TransferPlan:
    """Draw one transfer of the mix between the known ``accounts`` (or the company's)."""
    kind = choose_kind(rng.randrange(MIX_TOTAL))
    if kind is TransferKind.SALARY:
        return plan_salary(_pick_account(accounts, company, rng).iban, company, rng)
    if kind is TransferKind.DEPOSIT:
        to = _pick_account(accounts, company, rng).iban
        amount = rng.choice(CASH_AMOUNTS_CENTS)
        return TransferPlan(kind, CASH, amount, CASH, to, kind.value)
    source = _pick_account(accounts, company, rng)
    if kind is TransferKind.WITHDRAW:
        to = CASH
        amount = rng.choice(CASH_AMOUNTS_CENTS)
    elif kind is TransferKind.SHOP:
        to = SHOP
        amount = OTHER_BASE_CENTS + rng.randrange(OTHER_SPREAD_CENTS)
    else:
        to = _pick_account(accounts, company, rng).iban
        amount = OTHER_BASE_CENTS + rng.randrange(OTHER_SPREAD_CENTS)
    return TransferPlan(kind, source.token, amount, source.iban, to, kind.value)
