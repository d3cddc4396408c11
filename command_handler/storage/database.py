"""The service's one PostgreSQL connection, with psycopg directly: one transaction per batch,
and a fresh connection after PostgreSQL went away.

Why not a SQLAlchemy engine here: the four statements per batch are plain SQL text already
(see `batch_store`), so the engine only added its pool, its result wrapping and ~12 MiB of
resident memory (importing sqlalchemy) to a process that must stay small. The schema stays
SQLAlchemy Core (`tables`) and alembic (`migrate`, run by the start-up child).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import TupleRow

__all__ = ["Database", "libpq_url"]


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql://…` for a SQLAlchemy URL `postgresql+psycopg://…` (libpq does not know the
    `+driver` part); other URLs are returned unchanged."""
    scheme, separator, rest = sqlalchemy_url.partition("://")
    if separator and scheme.startswith("postgresql+"):
        return f"postgresql://{rest}"
    return sqlalchemy_url


class Database:
    """Connects on first use; a connection that failed (`psycopg.OperationalError`,
    `InterfaceError`) is dropped, so the next transaction connects again, as a pool with
    pre-ping would."""

    def __init__(self, url: str, *, connect_timeout_s: int = 5) -> None:
        self._url = libpq_url(url)
        self._connect_timeout_s = connect_timeout_s
        self._connection: psycopg.Connection[TupleRow] | None = None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[TupleRow]]:
        """A connection inside a transaction: committed when the block ends, rolled back if
        it raises. Connection errors propagate (the caller retries with back-off)."""
        try:
            if self._connection is None or self._connection.closed:
                # Autocommit: `transaction()` then issues BEGIN and COMMIT itself, and nothing
                # stays open between batches.
                self._connection = psycopg.connect(
                    self._url, autocommit=True, connect_timeout=self._connect_timeout_s
                )
            with self._connection.transaction():
                yield self._connection
        except (psycopg.OperationalError, psycopg.InterfaceError):
            self.close()
            raise

    def close(self) -> None:
        """Close the connection, if any (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
