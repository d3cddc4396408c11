"""Alembic environment: runs the migrations online on the URL `storage.migrate` configured.

The script is configured in code (no alembic.ini): the service and the tests pass the
database URL, so there is one place that knows it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from command_handler.storage.tables import METADATA


def run_migrations_online() -> None:
    """Upgrade in one transaction; a concurrent starter waits on alembic's version row."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not configured for the migrations")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=METADATA)
        with context.begin_transaction():
            # Two handler instances may start at once: serialise their migrations.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            context.run_migrations()
    engine.dispose()


run_migrations_online()
