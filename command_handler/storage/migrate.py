"""Bring a database up to the newest schema: alembic's `upgrade head`, as the service does at
start and as `alembic -c command_handler/alembic.ini upgrade head` does from a shell.

Safe to run from several instances at once (migrations/env.py takes an advisory lock).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config

__all__ = ["ALEMBIC_INI", "migrate"]

ALEMBIC_INI: Final = Path(__file__).resolve().parent.parent / "alembic.ini"


def migrate(database_url: str) -> None:
    """Upgrade the database at `database_url` (a SQLAlchemy URL) to the newest revision."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False
    # `%` would be read as interpolation by configparser; passwords may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
