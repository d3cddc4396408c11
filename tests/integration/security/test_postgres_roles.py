"""PostgreSQL least privilege, checked on the running cluster.

One login role per app, owning only its database; no app role is a superuser or may create
roles or databases; the superuser `postgres` is refused over TCP; the passwords live only in
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

from stack.layout import StackLayout

pytestmark = pytest.mark.integration

# stack name → the database (and role) it owns (docs/architecture.md).
APPS = {"backend": "backend", "command-handler": "command_handler"}
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


def test_an_app_role_cannot_read_another_apps_table_even_by_name(
    app_url: Callable[[str], str],
) -> None:
    # Table names live per database: from its own database the backend cannot reach into
    # the handler's (no cross-database references in PostgreSQL), and has no dblink.
    with psycopg.connect(_conninfo(app_url("backend")), connect_timeout=5) as own:
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            own.execute("SELECT * FROM command_handler.public.accounts")
        own.rollback()
        with pytest.raises(psycopg.errors.UndefinedFunction):
            own.execute("SELECT dblink_connect('dbname=command_handler')")


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
