"""Bring a database up to the newest schema with alembic, configured in code.

Run by the service at start as `python -m command_handler.storage.migrate` (a subprocess
reading `OPEN_BANK_DATABASE_URL`, so alembic's ~10 MiB never stay in the service), and by
tests on throwaway databases; safe to run from several instances at once (see
migrations/env.py). Exit status 0: migrated; 2: PostgreSQL unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from topology.settings import DatabaseSettings

__all__ = ["MIGRATIONS_DIR", "main", "migrate"]

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "migrations"


def migrate(database_url: str) -> None:
    """Upgrade the database at `database_url` (a SQLAlchemy URL) to the newest revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # `%` would be read as interpolation by configparser; passwords may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


def main() -> int:
    """Migrate the database of `OPEN_BANK_DATABASE_URL`; 2 when PostgreSQL is unreachable."""
    try:
        migrate(DatabaseSettings().url.get_secret_value())
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        print(f"postgresql unavailable: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
