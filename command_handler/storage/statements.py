"""The batch statements, written from the table definitions in `tables`, so a column exists in
one place (its table) and every statement follows it.

A batch is four round trips whatever its size: lock the accounts it touches, read the stored
answers, write the whole decision in one statement (data-modifying CTEs over `unnest` arrays,
one array parameter per column), commit. Array parameters are literals cast in SQL (see
`pg_arrays`); `param(table, column)` names each one.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.base import PGDialect

from command_handler.storage.tables import (
    ACCOUNT_CREATION_ANSWER,
    BALANCE,
    BALANCE_CHANGE,
    MONEY_TRANSFER_ANSWER,
)

__all__ = [
    "ANSWERS",
    "BALANCE_CHANGES",
    "LAST_STORED",
    "LOCK_ACCOUNTS",
    "WRITE_DECISION",
    "param",
    "written_columns",
]

_DIALECT: Final = PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped


def param(table: sa.Table, column: str) -> str:
    """The name of the array parameter that carries `column` of rows written to `table`."""
    return f"{table.name}__{column}"


def written_columns(table: sa.Table) -> list[sa.Column[object]]:
    """The columns a batch writes: all but those the database numbers itself."""
    return [c for c in table.columns if c.identity is None]


def _array(table: sa.Table, column: sa.Column[object]) -> str:
    sql_type = column.type.compile(dialect=_DIALECT)
    return f"CAST(%({param(table, column.name)})s AS {sql_type}[])"


def _insert(table: sa.Table, *, in_order: bool = False) -> str:
    columns = written_columns(table)
    names = ", ".join(c.name for c in columns)
    arrays = ", ".join(_array(table, c) for c in columns)
    if not in_order:
        return f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"
    # Rows go in in array order: balance_change.decided numbers them as they were decided.
    return (
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({arrays})"
        f" WITH ORDINALITY AS u({names}, k) ORDER BY k"
    )


def _names(*columns: sa.Column[object]) -> str:
    return ", ".join(c.name for c in columns)


_B, _T, _C, _BC = BALANCE.c, MONEY_TRANSFER_ANSWER.c, ACCOUNT_CREATION_ANSWER.c, BALANCE_CHANGE.c

# In iban order, so concurrent instances lock in the same order and never deadlock.
LOCK_ACCOUNTS: Final = (
    f"SELECT {_names(_B.iban, _B.token, _B.amount, _B.lmt)} FROM {BALANCE.name}"
    f" WHERE {_B.iban.name} = ANY(CAST(%(ibans)s AS text[])) ORDER BY {_B.iban.name} FOR UPDATE"
)

# Both kinds in one round trip: (is_transfer, command_id, reason, iban, token, a_type,
# source_partition, source_offset).
ANSWERS: Final = (
    f"SELECT true, {_names(_T.command_id, _T.reason)}, NULL, NULL, NULL,"
    f" {_names(_T.source_partition, _T.source_offset)} FROM {MONEY_TRANSFER_ANSWER.name}"
    f" WHERE {_T.command_id.name} = ANY(CAST(%(transfer_ids)s AS uuid[]))"
    f" UNION ALL SELECT false,"
    f" {_names(_C.command_id, _C.reason, _C.iban, _C.token, _C.a_type)},"
    f" {_names(_C.source_partition, _C.source_offset)} FROM {ACCOUNT_CREATION_ANSWER.name}"
    f" WHERE {_C.command_id.name} = ANY(CAST(%(creation_ids)s AS uuid[]))"
)

# In the order of BalanceChanged's fields: each row is one record.
_CHANGE_FIELDS: Final = (
    _BC.iban,
    _BC.new_balance,
    _BC.changed_by,
    _BC.from_to,
    _BC.description,
    _BC.command_id,
    _BC.decided,
)
BALANCE_CHANGES: Final = (
    f"SELECT {_names(*_CHANGE_FIELDS)}"
    f" FROM {BALANCE_CHANGE.name} WHERE {_BC.command_id.name} = ANY(CAST(%(ids)s AS uuid[]))"
    f" ORDER BY {_BC.decided.name}"
)

# Every part is a no-op for empty arrays. New accounts and changed ones are disjoint sets of
# ibans, so no row is touched twice by one statement. It returns each change's `decided`
# number (command_id, seq, decided): the handler publishes it in the change, still in the
# batch's one write round trip.
WRITE_DECISION: Final = (
    f"WITH opened AS ({_insert(BALANCE)}),"
    f" changed AS (UPDATE {BALANCE.name} AS b SET {_B.amount.name} = v.{_B.amount.name}"
    f" FROM unnest(CAST(%(changed__iban)s AS text[]), CAST(%(changed__amount)s AS bigint[]))"
    f" AS v({_names(_B.iban, _B.amount)}) WHERE b.{_B.iban.name} = v.{_B.iban.name}),"
    f" transfer_answers AS ({_insert(MONEY_TRANSFER_ANSWER)}),"
    f" creation_answers AS ({_insert(ACCOUNT_CREATION_ANSWER)}),"
    f" changes AS ({_insert(BALANCE_CHANGE, in_order=True)}"
    f" RETURNING {_names(_BC.command_id, _BC.seq, _BC.decided)})"
    f" SELECT {_names(_BC.command_id, _BC.seq, _BC.decided)} FROM changes"
)

# One scan per partition, asked once per assignment: the answers' source columns are not
# indexed (an index would cost every batch's insert for a question asked rarely).
LAST_STORED: Final = (
    f"SELECT f.p, (SELECT max(a.{_T.source_offset.name}) FROM {MONEY_TRANSFER_ANSWER.name} a"
    f" WHERE a.{_T.source_partition.name} = f.p AND a.{_T.source_offset.name} >= f.o)"
    " FROM unnest(CAST(%(partitions)s AS int[]), CAST(%(offsets)s AS bigint[])) AS f(p, o)"
)
