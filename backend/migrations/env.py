"""Alembic environment: runs online on the connection ``backend.storage.migrate`` passes."""

from alembic import context
from sqlalchemy.engine import Connection

from backend.storage.tables import METADATA


def run_migrations_online() -> None:
    """Upgrade in one transaction; concurrent starters wait on an advisory lock."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("backend migrations need a connection in config.attributes")
    context.configure(connection=connection, target_metadata=METADATA)
    with context.begin_transaction():
        # Two backend instances may start at once: serialise their migrations.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(8000)")
        context.run_migrations()


run_migrations_online()
