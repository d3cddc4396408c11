"""Run the backend's alembic migrations (at start, before serving)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool

__all__ = ["upgrade_database"]

_SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"


def upgrade_database(url: str) -> None:
    """Bring the database at ``url`` (a sync SQLAlchemy URL) to the newest revision.

    Blocking: call it from a thread when an event loop is running.
    """
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()
