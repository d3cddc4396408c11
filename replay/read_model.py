"""The backend's read model in PostgreSQL: a rebuilt copy in a schema of its own, its rows,
and the switch that puts it in place of the live tables.

Everything runs as the ``backend`` role, which owns the database. The rebuilt copy is made
by the backend's own migrations (``search_path`` set to the new schema) and filled by its own
``ProjectionWriter``, so it is what the projector would have written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text

from backend.storage.migrate import upgrade_database
from backend.storage.writer import ProjectionWriter
from replay.compare import Row

__all__ = ["SCHEMA_NAME", "ReadModel"]

#: The only schema names this module puts in SQL: made by replay, never typed by a person.
SCHEMA_NAME = re.compile(r"(replay|replaced)_[0-9]{8}_[0-9]{6}")

_TABLES = ("transactions", "transfer_results", "accounts")
_TRANSACTION_COLUMNS = (
    "id, iban, new_balance, changed_by, from_to, description, changed_at, decided"
)
_RESULT_COLUMNS = "command_id, success, reason"
_RESULT_ROW = f"{_RESULT_COLUMNS}, recorded_at"
_STREAM = {"yield_per": 10_000}
# The switch waits this long at most for the projector's and the API's open transactions.
_LOCK_TIMEOUT = "10s"


def _checked(*schemas: str) -> None:
    for schema in schemas:
        if schema != "public" and not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name replay makes: {schema!r}")


def _schema_url(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


class ReadModel:
    """The live read model (schema ``public``) and rebuilt copies beside it."""

    def __init__(self, url: str) -> None:
        """``url``: the backend's database (``OPEN_BANK_DATABASE_URL``)."""
        self._url = url
        self.engine = create_engine(url, pool_size=2, max_overflow=0)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def has_live_rows(self) -> bool:
        """Whether the live read model holds anything to compare with: not when its
        database was made anew, nor when a backend started since made empty tables."""
        with self.engine.connect() as connection:
            if not self.has_tables(connection, "public"):
                return False
            found = connection.execute(text("SELECT EXISTS (SELECT FROM public.transactions)"))
            return bool(found.scalar())

    def now(self) -> datetime:
        """The database's clock (the one ``recorded_at`` is written with)."""
        with self.engine.connect() as connection:
            moment = connection.execute(text("SELECT now()")).scalar_one()
        assert isinstance(moment, datetime)
        return moment

    def create_copy(self, schema: str) -> tuple[ProjectionWriter, Engine, list[str]]:
        """A new schema holding empty tables made by the migrations, and its writer.

        Its secondary indexes are dropped and their definitions returned, for
        ``build_indexes`` once it is filled: one sort per index is ~7 times cheaper than
        keeping them up to date row by row (the company account is in most rows). The
        unique ones stay: the writer's ``ON CONFLICT`` needs them.
        """
        _checked(schema)
        with self.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _schema_url(self._url, schema)
        upgrade_database(url)
        with self.engine.begin() as connection:
            deferred = connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :schema "
                    "AND indexdef NOT LIKE 'CREATE UNIQUE %'"
                ),
                {"schema": schema},
            ).all()
            for name, _definition in deferred:
                connection.execute(text(f'DROP INDEX "{schema}"."{name}"'))
        engine = create_engine(url, pool_size=1, max_overflow=0)
        return ProjectionWriter(engine), engine, [definition for _name, definition in deferred]

    def build_indexes(self, definitions: list[str]) -> None:
        """Create the indexes ``create_copy`` deferred (their definitions name the schema)."""
        with self.engine.begin() as connection:
            for definition in definitions:
                connection.execute(text(definition))

    def drop_copy(self, schema: str) -> None:
        """Remove a copy that will not be switched to."""
        _checked(schema)
        with self.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def transactions(self, schema: str) -> Iterator[Row]:
        """``schema``'s transactions by id (``_TRANSACTION_COLUMNS``)."""
        _checked(schema)
        query = f'SELECT {_TRANSACTION_COLUMNS} FROM "{schema}".transactions ORDER BY id'
        yield from self._rows(query)

    def transfer_results(self, schema: str) -> Iterator[Row]:
        """``schema``'s transfer results by command id, ``recorded_at`` last."""
        _checked(schema)
        query = f'SELECT {_RESULT_ROW} FROM "{schema}".transfer_results ORDER BY command_id'
        yield from self._rows(query)

    def _rows(self, query: str) -> Iterator[Row]:
        with self.engine.connect() as connection:
            for row in connection.execution_options(**_STREAM).execute(text(query)):
                yield tuple(row)

    def last_balances(self, schema: str) -> dict[str, tuple[int, int]]:
        """Per iban of ``schema``: (how many changes, the newest balance in decided order,
        as the API reads it: ``backend.storage.tables.ACCOUNT_ORDER``)."""
        _checked(schema)
        query = text(
            f'SELECT iban, count(*) OVER (PARTITION BY iban), new_balance FROM "{schema}".'
            "transactions ORDER BY iban, coalesce(decided, 0) DESC, id DESC"
        )
        found: dict[str, tuple[int, int]] = {}
        with self.engine.connect() as connection:
            for iban, count, balance in connection.execution_options(**_STREAM).execute(query):
                found.setdefault(iban, (count, balance))
        return found

    def switch(self, schema: str, aside: str, low_id: int, since: datetime) -> int | None:
        """Put ``schema``'s tables in ``public``'s place in one transaction; the live ones
        move to ``aside``. Rows the projector wrote after the rebuild's snapshot (ids from
        ``low_id``, results recorded from ``since``) and the logins, which no event holds,
        are copied over first, under the lock. The number of rows copied; None when there
        were no live tables (nothing copied, nothing moved aside)."""
        _checked(schema, aside)
        copy = [
            f'INSERT INTO "{schema}".transactions ({_TRANSACTION_COLUMNS}) '
            f"SELECT {_TRANSACTION_COLUMNS} FROM public.transactions WHERE id >= :low_id "
            "ON CONFLICT (id) DO NOTHING",
            f'INSERT INTO "{schema}".transfer_results ({_RESULT_COLUMNS}) '
            f"SELECT {_RESULT_COLUMNS} FROM public.transfer_results WHERE recorded_at >= :since "
            "ON CONFLICT (command_id) DO NOTHING",
            f'INSERT INTO "{schema}".accounts (username, password_hash, command_id, created_at) '
            "SELECT username, password_hash, command_id, created_at FROM public.accounts "
            "ON CONFLICT DO NOTHING",
        ]
        copied = 0
        with self.engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'"))
            live = self.has_tables(connection, "public")
            if live:
                # Readers queue behind this lock for the moment of the switch, then read
                # the new tables (PostgreSQL looks a name up again after waiting for it).
                tables = ", ".join(f"public.{t}" for t in _TABLES)
                connection.execute(text(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE"))
                for statement in copy:
                    result = connection.execute(text(statement), {"low_id": low_id, "since": since})
                    copied += result.rowcount
                connection.execute(text(f'CREATE SCHEMA "{aside}"'))
                for table in _TABLES:
                    connection.execute(text(f'ALTER TABLE public.{table} SET SCHEMA "{aside}"'))
            for table in _TABLES:
                connection.execute(text(f'ALTER TABLE "{schema}".{table} SET SCHEMA public'))
            has_version = connection.execute(
                text("SELECT to_regclass('public.alembic_version')")
            ).scalar()
            if has_version is None:
                connection.execute(
                    text(f'ALTER TABLE "{schema}".alembic_version SET SCHEMA public')
                )
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        return copied if live else None

    @staticmethod
    def has_tables(connection: Any, schema: str) -> bool:
        """Whether ``schema`` holds a transactions table."""
        found = connection.execute(text(f"SELECT to_regclass('\"{schema}\".transactions')"))
        return found.scalar() is not None
