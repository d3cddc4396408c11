"""Bring a database up to the newest schema: alembic's `upgrade head`, as the service does at
start and as `alembic -c command_handler/alembic.ini upgrade head` does from a shell.

Safe to run from several instances at once (migrations/env.py takes an advisory lock).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from pydantic import SecretStr

__all__ = ["ALEMBIC_INI", "COMPANY_TOKEN_ATTRIBUTE", "migrate"]

ALEMBIC_INI: Final = Path(__file__).resolve().parent.parent / "alembic.ini"
COMPANY_TOKEN_ATTRIBUTE: Final = "company_token"  # noqa: S105 - a key name, not a secret
"""Where in alembic's `config.attributes` revision 0003 finds a token given by the caller."""


def migrate(database_url: str, company_token: SecretStr | None = None) -> None:
    """Upgrade the database at `database_url` (a SQLAlchemy URL) to the newest revision.

    A new database's company account gets `company_token` (20 digits), or else the secret of
    `OPEN_BANK_COMPANY_TOKEN`, as the stack's migration step does (revision 0003).
    """
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False
    if company_token is not None:
        config.attributes[COMPANY_TOKEN_ATTRIBUTE] = company_token
    # `%` would be read as interpolation by configparser; passwords may contain it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
