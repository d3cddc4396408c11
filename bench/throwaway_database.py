"""Throwaway PostgreSQL databases on the running stack, for benchmarks and tests.

Made through the superuser's admin URL (`stack.postgres.admin_database_url`), empty: whoever
uses one migrates it (with the service's migrations, as the stack does).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

__all__ = ["create_database", "drop_database", "throwaway_database"]


def create_database(admin_database_url: str, prefix: str) -> str:
    """Create an empty database named `<prefix>_<random>`; its SQLAlchemy URL (same role)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(admin_database_url).set(database=name).render_as_string(False)


def drop_database(admin_database_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, disconnecting whoever still uses it."""
    name = sa.make_url(database_url).database
    admin = sa.create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@contextmanager
def throwaway_database(admin_database_url: str, prefix: str) -> Iterator[str]:
    """An empty database for the body of a `with` block, dropped after it."""
    url = create_database(admin_database_url, prefix)
    try:
        yield url
    finally:
        drop_database(admin_database_url, url)
