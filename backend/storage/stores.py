"""Async PostgreSQL adapters of ``TransactionStore`` and ``AccountStore``.

They serve the GraphQL queries from the event loop (psycopg async via SQLAlchemy);
the rows are written by ``backend.storage.writer`` in the projector's thread. Every
call is a read or an idempotent write, run through ``backend.storage.retry`` so that a
PostgreSQL restart costs the client a short wait, not an error.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Select, bindparam, delete, func, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.outcomes import TransactionView, TransferOutcome
from backend.ports import AccountRecord
from backend.storage.retry import retrying
from backend.storage.tables import (
    ACCOUNT_ORDER,
    ACCOUNTS,
    AS_OF_TIME,
    TRANSACTIONS,
    TRANSFER_RESULTS,
)

__all__ = ["LAST_PER_IBAN", "PostgresAccountStore", "PostgresTransactionStore"]

_COLUMNS = (
    TRANSACTIONS.c.id,
    TRANSACTIONS.c.iban,
    TRANSACTIONS.c.new_balance,
    TRANSACTIONS.c.changed_by,
    TRANSACTIONS.c.from_to,
    TRANSACTIONS.c.description,
    TRANSACTIONS.c.changed_at,
    TRANSACTIONS.c.decided,
)
# Newest first within an account: by decided order, not by log position (ACCOUNT_ORDER).
_NEWEST_FIRST = (ACCOUNT_ORDER.desc(), TRANSACTIONS.c.id.desc())


# Built once: a prepared statement object memoises its cache key, so each call skips
# SQLAlchemy's statement construction and cache-key walk (hot on every transfer).
_BY_ID = select(*_COLUMNS).where(TRANSACTIONS.c.id == bindparam("id"))
_TRANSFER_RESULT = select(TRANSFER_RESULTS.c.success, TRANSFER_RESULTS.c.reason).where(
    TRANSFER_RESULTS.c.command_id == bindparam("command_id")
)


def _last_per_iban() -> Select[Any]:
    """Each account's newest row, in iban order, by a skip scan: a recursive walk from one
    iban to the next on the index, then each account's newest row, so the cost grows with
    the accounts, not with their rows (DISTINCT ON reads every row: 4.5 s against 0.18 s
    over 2.6 million rows and 12,000 accounts)."""
    later = TRANSACTIONS.alias("later")
    first = select(TRANSACTIONS.c.iban).order_by(TRANSACTIONS.c.iban).limit(1)
    ibans = first.cte("ibans", recursive=True)
    following = (
        select(later.c.iban)
        .where(later.c.iban > ibans.c.iban)
        .order_by(later.c.iban)
        .limit(1)
        .scalar_subquery()
    )
    ibans = ibans.union_all(select(following).where(ibans.c.iban.is_not(None)))
    newest = (
        select(*_COLUMNS)
        .where(TRANSACTIONS.c.iban == ibans.c.iban)
        .order_by(*_NEWEST_FIRST)
        .limit(1)
        .lateral("newest")
    )
    return (
        select(*newest.c)
        .select_from(ibans.join(newest, true()))
        .where(ibans.c.iban.is_not(None))
        .order_by(newest.c.iban)
    )


#: The statement of `last_per_iban` (public for `python -m bench accounts`).
LAST_PER_IBAN = _last_per_iban()
# A page cursor's place in its account's order; an id that is no row counts as unnumbered.
_CURSOR_ORDER = func.coalesce(
    select(ACCOUNT_ORDER).where(TRANSACTIONS.c.id == bindparam("before")).scalar_subquery(), 0
)
_ACCOUNT = select(ACCOUNTS.c.password_hash, ACCOUNTS.c.command_id).where(
    ACCOUNTS.c.username == bindparam("username")
)


def _view(
    row: Row[int, str, int, int, str, str, datetime | None, int | None],
) -> TransactionView:
    changed = row.changed_at
    return TransactionView(
        id=row.id,
        iban=row.iban,
        new_balance_cents=row.new_balance,
        changed_by_cents=row.changed_by,
        from_to=row.from_to,
        description=row.description,
        changed_at_ms=None if changed is None else round(changed.timestamp() * 1000),
        decided=row.decided,
    )


class PostgresTransactionStore:
    """Reads of the transactions and transfer_results tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def by_id(self, transaction_id: int) -> TransactionView | None:
        return await retrying(lambda: self._by_id(transaction_id))

    async def by_iban(
        self, iban: str, limit: int, before_id: int | None = None
    ) -> Sequence[TransactionView]:
        return await retrying(lambda: self._by_iban(iban, limit, before_id))

    async def last_per_iban(self) -> Sequence[TransactionView]:
        return await retrying(self._last_per_iban)

    async def transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        return await retrying(lambda: self._transfer_result(command_id))

    async def _by_id(self, transaction_id: int) -> TransactionView | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(_BY_ID, {"id": transaction_id})
            row = result.first()
        return None if row is None else _view(row)

    async def _by_iban(
        self, iban: str, limit: int, before_id: int | None = None
    ) -> Sequence[TransactionView]:
        query = select(*_COLUMNS).where(TRANSACTIONS.c.iban == iban)
        parameters = {}
        if before_id is not None:
            query = query.where(
                tuple_(ACCOUNT_ORDER, TRANSACTIONS.c.id) < tuple_(_CURSOR_ORDER, before_id)
            )
            parameters["before"] = before_id
        query = query.order_by(*_NEWEST_FIRST).limit(limit)
        async with self._engine.connect() as connection:
            result = await connection.execute(query, parameters)
            return [_view(row) for row in result]

    async def as_of(self, iban: str, at: datetime, limit: int) -> Sequence[TransactionView]:
        return await retrying(lambda: self._as_of(iban, at, limit))

    async def _as_of(self, iban: str, at: datetime, limit: int) -> Sequence[TransactionView]:
        query = (
            select(*_COLUMNS)
            .where(TRANSACTIONS.c.iban == iban, AS_OF_TIME <= at)  # noqa: SIM300 (a SQL expression)
            .order_by(*_NEWEST_FIRST)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            result = await connection.execute(query)
            return [_view(row) for row in result]

    async def _last_per_iban(self) -> Sequence[TransactionView]:
        async with self._engine.connect() as connection:
            result = await connection.execute(LAST_PER_IBAN)
            return [_view(row) for row in result]

    async def _transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_TRANSFER_RESULT, {"command_id": command_id})).first()
        return None if row is None else TransferOutcome(command_id, row.success, row.reason)


class PostgresAccountStore:
    """Logins in the accounts table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def find(self, username: str) -> AccountRecord | None:
        return await retrying(lambda: self._find(username))

    async def add(self, record: AccountRecord) -> AccountRecord:
        # Idempotent: after a commit whose answer was lost, the retry finds the same row.
        return await retrying(lambda: self._add(record))

    async def remove(self, record: AccountRecord) -> None:
        # Idempotent: deletes exactly ``record``, so twice is once.
        await retrying(lambda: self._remove(record))

    async def _find(self, username: str) -> AccountRecord | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_ACCOUNT, {"username": username})).first()
        return None if row is None else AccountRecord(username, row.password_hash, row.command_id)

    async def _add(self, record: AccountRecord) -> AccountRecord:
        statement = (
            insert(ACCOUNTS)
            .values(
                username=record.username,
                password_hash=record.password_hash,
                command_id=record.command_id,
            )
            .on_conflict_do_nothing(index_elements=[ACCOUNTS.c.username])
        )
        async with self._engine.begin() as connection:
            inserted = (await connection.execute(statement)).rowcount
        if inserted == 1:
            return record
        existing = await self._find(record.username)
        if existing is None:
            raise RuntimeError(f"account {record.username!r} neither inserted nor found")
        return existing

    async def _remove(self, record: AccountRecord) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(ACCOUNTS).where(
                    ACCOUNTS.c.username == record.username,
                    ACCOUNTS.c.command_id == record.command_id,
                )
            )
