"""Alembic environment: runs the migrations online, on `sqlalchemy.url` when the caller set it
(tests, `storage.migrate`) or else on `OPEN_BANK_DATABASE_URL` (the `alembic` command, as the
stack's one-shot step runs it)."""

from __future__ import annotations

from logging.config import fileConfig

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
            # Two starters at once (stacks, tests): serialise their migrations.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            context.run_migrations()
    engine.dispose()


# The `alembic` command logs as alembic.ini says; a program that migrates in-process keeps
# its own logging (`storage.migrate` sets configure_logger to False).
if context.config.config_file_name and context.config.attributes.get("configure_logger", True):
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
run_migrations_online()
