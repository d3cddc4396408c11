"""Bring a database up to the newest schema with alembic, configured in code.

Run by the service at start (`python -m command_handler`) and by tests on throwaway
databases; safe to run from several instances at once (see migrations/env.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config

__all__ = ["MIGRATIONS_DIR", "migrate"]

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "migrations"


def migrate(database_url: str) -> None:
    """Upgrade the database at `database_url` (a SQLAlchemy URL) to the newest revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # `%` would be read as interpolation by configparser; passwords may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
