"""PostgreSQL least privilege, checked on the running cluster.

One login role per app, owning only its database: another app's role may not connect to it,
holds no right on its tables, and cannot become its owner; no app role is a superuser or may
create roles or databases; the superuser `postgres` is refused over TCP; the passwords live only in
the run folder's `secrets/` (0600 files in a 0700 folder), in no log and no tracked file.
"""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from stack.layout import StackLayout
from stack.postgres import DATABASES, admin_conninfo

pytestmark = pytest.mark.integration

# stack name → the database (and role) it owns (docs/architecture.md).
APPS = {"backend": "backend", "command-handler": "command_handler"}
# Every right on a table (or a sequence, a view) a role could be granted.
_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"
REPO = Path(__file__).resolve().parents[3]


def _conninfo(sqlalchemy_url: str, database: str | None = None) -> str:
    """A libpq URI from the SQLAlchemy URL the stack gives an app, optionally another db."""
    parts = urlsplit(sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1))
    if database is not None:
        parts = parts._replace(path=f"/{database}")
    return urlunsplit(parts)


@pytest.fixture
def app_url(service_env: Callable[[str], dict[str, str]]) -> Callable[[str], str]:
    """`app_url("backend")`: the database URL the stack starts that app with."""
    return lambda name: service_env(name)["OPEN_BANK_DATABASE_URL"]


@pytest.mark.parametrize(
    ("app", "foreign"), [("backend", "command_handler"), ("command-handler", "backend")]
)
def test_an_app_role_cannot_open_another_apps_database(
    app_url: Callable[[str], str], app: str, foreign: str
) -> None:
    url = app_url(app)
    with psycopg.connect(_conninfo(url), connect_timeout=5) as own:
        # Control: the same credentials do work on the app's own database.
        assert own.execute("SELECT current_user").fetchone() == (APPS[app],)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(_conninfo(url, foreign), connect_timeout=5)


@pytest.mark.parametrize("database", sorted(DATABASES))
def test_no_other_role_holds_a_right_in_an_apps_database(
    stack_env: dict[str, str], stack_layout: StackLayout, database: str
) -> None:
    # Asked inside the database itself, where its tables' grants live: a grant to PUBLIC or
    # to another app's role (the mistake this guards against) makes a privilege true here.
    owner = DATABASES[database]
    others = sorted(set(DATABASES.values()) - {owner})
    with psycopg.connect(admin_conninfo(stack_layout, database), connect_timeout=5) as admin:
        tables = [
            row[0]
            for row in admin.execute(
                "SELECT c.oid::regclass::text FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')"
                " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                " AND n.nspname NOT LIKE 'pg_toast%%'"
            ).fetchall()
        ]
        assert tables, f"{database} has no table yet: the check would see nothing"
        # Control: the same question does answer yes for the owner.
        assert _rights(admin, owner, database, tables) == (True, tables)
        for role in others:
            assert _rights(admin, role, database, tables) == (False, []), role


def _rights(
    admin: psycopg.Connection[tuple[object, ...]], role: str, database: str, tables: list[str]
) -> tuple[bool, list[str]]:
    """Whether `role` may connect to `database`, and the tables it may touch in any way."""
    row = admin.execute(
        "SELECT has_database_privilege(%s, %s, 'CONNECT, TEMPORARY, CREATE')", (role, database)
    ).fetchone()
    touchable = [
        table
        for table in tables
        if admin.execute(
            "SELECT has_table_privilege(%s, %s::regclass, %s)",
            (role, table, _TABLE_RIGHTS),
        ).fetchone()
        == (True,)
    ]
    return (row == (True,), touchable)


@pytest.mark.parametrize(
    ("app", "other"), [("backend", "command_handler"), ("command-handler", "backend")]
)
def test_an_app_role_cannot_act_as_another_over_its_own_connection(
    app_url: Callable[[str], str], app: str, other: str
) -> None:
    with psycopg.connect(_conninfo(app_url(app)), connect_timeout=5) as own:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            own.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(other)))
        own.rollback()
        # Nor can it reach the other database from inside its own: no dblink, no foreign
        # data wrapper is installed for it to use.
        extensions = own.execute(
            "SELECT extname FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw')"
        ).fetchall()
        assert extensions == []


def test_app_roles_hold_no_administrative_right(
    admin_database_url: str, app_url: Callable[[str], str]
) -> None:
    with psycopg.connect(_conninfo(admin_database_url), connect_timeout=5) as admin:
        rows = admin.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication"
            " FROM pg_roles WHERE rolname = ANY(%s)",
            (["backend", "command_handler", "registry"],),
        ).fetchall()
    assert {row[0] for row in rows} == {"backend", "command_handler", "registry"}
    for name, *rights in rows:
        assert not any(rights), f"role {name} has an administrative right: {rights}"
    for app, database in APPS.items():
        parts = urlsplit(app_url(app))
        assert parts.username == database
        assert parts.path == f"/{database}"


def test_the_superuser_is_refused_over_tcp(stack_layout: StackLayout) -> None:
    conninfo = f"host=127.0.0.1 port={stack_layout.ports.postgres} user=postgres dbname=postgres"
    with pytest.raises(psycopg.OperationalError, match=r"rejects connection|no pg_hba\.conf entry"):
        psycopg.connect(conninfo, connect_timeout=5)


def test_passwords_are_private_files_and_never_logged_or_committed(
    stack_layout: StackLayout,
) -> None:
    secrets = stack_layout.secrets_dir
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    files = sorted(secrets.glob("*.password"))
    assert {path.stem for path in files} >= {"backend", "command_handler", "registry"}
    logs = [path for path in stack_layout.logs_dir.glob("*.log") if path.is_file()]
    assert logs, "the stack has written no log yet"
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        password = path.read_text().strip()
        assert len(password) >= 20
        for log in logs:
            assert password.encode() not in log.read_bytes(), f"{path.name} appears in {log}"
        tracked = subprocess.run(
            ["git", "grep", "-F", "--quiet", "-e", password],
            cwd=REPO,
            check=False,
        )
        assert tracked.returncode == 1, f"{path.name} appears in a tracked file"
