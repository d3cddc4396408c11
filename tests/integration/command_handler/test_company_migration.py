"""Revision 0003: the company account gets the stack's secret token, on a new database and on
one made before it (whose company account had the public token of twenty zeros)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from pydantic import SecretStr, ValidationError

from bench.throwaway_database import create_database, drop_database
from command_handler.domain import DEFAULT_LIMIT_CENTS
from command_handler.storage.migrate import ALEMBIC_INI, migrate
from topology.iban import COMPANY_IBAN

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
PUBLIC_TOKEN = "0" * 20
NEW_TOKEN = "96214070258318470651"


@pytest.fixture
def empty_database(admin_database_url: str) -> Iterator[str]:
    url = create_database(admin_database_url, "ch_migration")
    yield url
    drop_database(admin_database_url, url)


def _rows(url: str) -> list[tuple[str, str, int, int]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT iban, token, amount, lmt FROM balance ORDER BY 1")
        )
        found = [(r.iban, r.token, r.amount, r.lmt) for r in rows]
    engine.dispose()
    return found


def _as_before_0003(url: str) -> None:
    """The database of a stack made before 0003: the public company token, money moved."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["configure_logger"] = False
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "0002")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO balance (iban, token, amount, a_type) VALUES "
                "(:company, :public, :company_left, 'MANUAL'), "
                "('NL31OPEN0123456789', '11112222333344445555', 5000, 'AUTO')"
            ),
            {"company": COMPANY_IBAN, "public": PUBLIC_TOKEN, "company_left": 10**17 - 5000},
        )
    engine.dispose()


def test_a_new_database_opens_the_company_account_with_the_given_token(
    empty_database: str,
) -> None:
    migrate(empty_database, SecretStr(NEW_TOKEN))
    assert _rows(empty_database) == [(COMPANY_IBAN, NEW_TOKEN, 10**17, DEFAULT_LIMIT_CENTS)]


def test_an_existing_database_keeps_its_balances_and_loses_the_public_token(
    empty_database: str,
) -> None:
    _as_before_0003(empty_database)
    migrate(empty_database, SecretStr(NEW_TOKEN))
    rows = _rows(empty_database)
    assert (COMPANY_IBAN, NEW_TOKEN, 10**17 - 5000, DEFAULT_LIMIT_CENTS) in rows
    assert ("NL31OPEN0123456789", "11112222333344445555", 5000, DEFAULT_LIMIT_CENTS) in rows
    assert [iban for iban, token, _, _ in rows if token == PUBLIC_TOKEN] == []


def test_without_a_token_the_migration_fails_and_changes_nothing(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_before_0003(empty_database)
    monkeypatch.delenv("OPEN_BANK_COMPANY_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="token"):
        migrate(empty_database)
    assert (COMPANY_IBAN, PUBLIC_TOKEN, 10**17 - 5000, DEFAULT_LIMIT_CENTS) in _rows(empty_database)


def test_the_stacks_one_shot_step_takes_the_token_from_its_environment(
    empty_database: str,
) -> None:
    _as_before_0003(empty_database)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OPEN_BANK_DATABASE_URL": empty_database,
        "OPEN_BANK_COMPANY_TOKEN": NEW_TOKEN,
    }
    step = [sys.executable, "-m", "alembic", "-c", "command_handler/alembic.ini", "upgrade", "head"]
    done = subprocess.run(step, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert "0002 -> 0003" in done.stderr
    assert NEW_TOKEN not in done.stdout + done.stderr
    assert (COMPANY_IBAN, NEW_TOKEN, 10**17 - 5000, DEFAULT_LIMIT_CENTS) in _rows(empty_database)
