"""Alembic migrations of the command handler's database (run at start, see `storage.migrate`)."""
