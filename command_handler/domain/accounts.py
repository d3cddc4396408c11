"""Accounts as the deciding rules see them: plain values, loaded and stored by others."""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["CASH", "DEFAULT_LIMIT_CENTS", "MAX_BALANCE_CENTS", "Account"]

DEFAULT_LIMIT_CENTS: Final = -50_000
"""Every account may go down to -€500 (in cents), never below."""

MAX_BALANCE_CENTS: Final = 2**63 - 1
"""BalanceChanged carries balances as Avro longs and PostgreSQL stores bigint."""

CASH: Final = "cash"
"""The `from` (and token) of a deposit: money entering the bank from outside."""


class Account(NamedTuple):
    """One account of the bank: `balance_cents` may go down to `limit_cents`.

    Immutable. A NamedTuple rather than a frozen dataclass because ~2 are built per command
    (one per locked row, one per balance change): ~0.9 µs each instead of ~2.1."""

    iban: str
    token: str
    balance_cents: int
    limit_cents: int = DEFAULT_LIMIT_CENTS

    def with_balance(self, balance_cents: int) -> Account:
        """The same account holding `balance_cents`."""
        return Account(self.iban, self.token, balance_cents, self.limit_cents)
