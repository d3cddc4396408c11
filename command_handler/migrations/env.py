"""Alembic environment: runs the migrations online, on `sqlalchemy.url` when the caller set it
(the service, tests) or else on `OPEN_BANK_DATABASE_URL` (the `alembic` command)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from command_handler.storage.tables import METADATA
from topology.settings import DatabaseSettings


def run_migrations_online() -> None:
    """Upgrade in one transaction; a concurrent starter waits on the advisory lock."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        url = DatabaseSettings().url.get_secret_value()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=METADATA)
        with context.begin_transaction():
            # Two handler instances may start at once: serialise their migrations.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            context.run_migrations()
    engine.dispose()


run_migrations_online()
