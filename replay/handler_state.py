"""The command handler's state, read in one consistent snapshot of its database."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from command_handler.storage.tables import (
    ACCOUNT_CREATION_ANSWER,
    BALANCE,
    BALANCE_CHANGE,
    MONEY_TRANSFER_ANSWER,
)
from replay.ledger import AccountState, Answer
from topology.iban import COMPANY_IBAN

__all__ = ["COMPANY_START_CENTS", "HandlerState", "read_handler_state", "stored_since"]

#: The company account's first balance, seeded by the handler's migration 0003 (SPEC §3);
#: every other account opens at 0.
COMPANY_START_CENTS = 10**17


@dataclass(frozen=True, slots=True)
class HandlerState:
    """Every account and every stored answer, as of one moment."""

    accounts: dict[str, AccountState]
    answers: dict[UUID, Answer]


def read_handler_state(url: str) -> HandlerState:
    """Read balances, ledger counts and answers in one REPEATABLE READ transaction."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    changes = (
        sa.select(BALANCE_CHANGE.c.iban, sa.func.count().label("n"))
        .group_by(BALANCE_CHANGE.c.iban)
        .subquery()
    )
    balances = sa.select(
        BALANCE.c.iban, BALANCE.c.amount, sa.func.coalesce(changes.c.n, 0)
    ).outerjoin_from(BALANCE, changes, BALANCE.c.iban == changes.c.iban)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                accounts = {
                    iban: AccountState(
                        amount, count, COMPANY_START_CENTS if iban == COMPANY_IBAN else 0
                    )
                    for iban, amount, count in connection.execute(balances)
                }
                answers: dict[UUID, Answer] = {}
                for command_id, reason in connection.execute(
                    sa.select(MONEY_TRANSFER_ANSWER.c.command_id, MONEY_TRANSFER_ANSWER.c.reason)
                ):
                    answers[command_id] = ("transfer", reason)
                creations = ACCOUNT_CREATION_ANSWER.c
                for command_id, iban, token, reason in connection.execute(
                    sa.select(
                        creations.command_id, creations.iban, creations.token, creations.reason
                    )
                ):
                    answers[command_id] = ("creation", iban, token, reason)
    finally:
        engine.dispose()
    return HandlerState(accounts, answers)


def stored_since(
    url: str, ibans: Collection[str], command_ids: Collection[UUID]
) -> tuple[set[str], set[UUID]]:
    """Which of these accounts and answers the handler holds now (stored after a snapshot)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            found_ibans = (
                set(
                    connection.execute(
                        sa.select(BALANCE.c.iban).where(BALANCE.c.iban.in_(list(ibans)))
                    ).scalars()
                )
                if ibans
                else set()
            )
            found_ids: set[UUID] = set()
            for table in (MONEY_TRANSFER_ANSWER, ACCOUNT_CREATION_ANSWER):
                if command_ids:
                    found_ids.update(
                        connection.execute(
                            sa.select(table.c.command_id).where(
                                table.c.command_id.in_(list(command_ids))
                            )
                        ).scalars()
                    )
    finally:
        engine.dispose()
    return found_ibans, found_ids
