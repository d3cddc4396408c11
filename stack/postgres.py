"""The stack's own PostgreSQL 15 cluster under `.run/postgres`, and its roles and databases.

The cluster belongs to the `postgres` system user when the stack runs as root (PostgreSQL
refuses to run as root). Applications connect over TCP on 127.0.0.1 with scram passwords;
the superuser `postgres` can only come in through the unix socket in `.run/postgres/socket`
(mode 0700, so only the cluster's owner and root), which is how tests get a throwaway
database without any app holding superuser rights.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from stack.errors import StackError
from stack.layout import StackLayout
from stack.passwords import ensure_password

__all__ = [
    "DATABASES",
    "SUPERUSER",
    "PostgresInstall",
    "admin_conninfo",
    "admin_database_url",
    "ensure_cluster",
    "find_postgres",
    "postgres_argv",
    "provision",
    "render_pg_hba",
    "run_as_user",
]

SUPERUSER = "postgres"
# database → role (docs/architecture.md): each app owns exactly one database.
DATABASES = {"command_handler": "command_handler", "backend": "backend", "registry": "registry"}
_CLUSTER_OWNER = "postgres"
_SEARCH_DIRS = (Path("/usr/lib/postgresql/15/bin"),)


@dataclass(frozen=True)
class PostgresInstall:
    """Where the PostgreSQL server binaries are."""

    bin_dir: Path

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)


def find_postgres() -> PostgresInstall:
    """Debian's PostgreSQL 15 binaries (or any `postgres` on PATH)."""
    for candidate in _SEARCH_DIRS:
        if (candidate / "postgres").exists() and (candidate / "initdb").exists():
            return PostgresInstall(candidate)
    found = shutil.which("postgres")
    if found:
        return PostgresInstall(Path(found).resolve().parent)
    raise StackError(
        "PostgreSQL server binaries not found",
        "apt-get install postgresql-15 (./bank up does this)",
    )


def run_as_user() -> str | None:
    """The system user that owns the cluster: `postgres` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_CLUSTER_OWNER)
    except KeyError as exc:
        raise StackError(
            "running as root but there is no 'postgres' system user to own the cluster",
            "apt-get install postgresql-15 (it creates the user)",
        ) from exc
    return _CLUSTER_OWNER


def render_pg_hba() -> str:
    """Superuser only through the unix socket; everyone else by scram password."""
    return "\n".join(
        [
            "# Rendered by `python -m stack`.",
            "# TYPE  DATABASE  USER      ADDRESS        METHOD",
            f"local   all       {SUPERUSER}  trust",
            "local   all       all                      scram-sha-256",
            f"host    all       {SUPERUSER}  127.0.0.1/32   reject",
            "host    all       all       127.0.0.1/32   scram-sha-256",
            "",
        ]
    )


def _chown_to_owner(path: Path, user: str | None) -> None:
    if user is None:
        return
    record = pwd.getpwnam(user)
    os.chown(path, record.pw_uid, record.pw_gid)


def ensure_cluster(layout: StackLayout, install: PostgresInstall) -> bool:
    """`initdb` the cluster if it does not exist yet; return True if it was created."""
    user = run_as_user()
    base = layout.postgres_dir
    data = base / "data"
    base.mkdir(parents=True, exist_ok=True)
    layout.postgres_socket_dir.mkdir(parents=True, exist_ok=True)
    layout.postgres_socket_dir.chmod(0o700)
    _chown_to_owner(base, user)
    _chown_to_owner(layout.postgres_socket_dir, user)
    created = False
    if not (data / "PG_VERSION").exists():
        log = layout.log_file("postgres")
        layout.logs_dir.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            result = subprocess.run(
                [
                    install.tool("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                user=user,
                check=False,
            )
        if result.returncode != 0:
            raise StackError(
                "initdb failed to create the PostgreSQL cluster",
                f"read the log, remove {data} and run ./bank up again",
                log,
            )
        created = True
    hba = data / "pg_hba.conf"
    hba.write_text(render_pg_hba())
    _chown_to_owner(hba, user)
    return created


def postgres_argv(layout: StackLayout, install: PostgresInstall) -> list[str]:
    """The postmaster's command line; settings are flags so they live in this file."""
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(layout.ports.postgres),
        "unix_socket_directories": str(layout.postgres_socket_dir),
        "unix_socket_permissions": "0700",
        # Services, several consumers each, and tests: 100 is tight under fault tests.
        "max_connections": "200",
        "shared_buffers": "128MB",
        "password_encryption": "scram-sha-256",
        "logging_collector": "off",
        "log_line_prefix": "%m [%p] %q%u@%d ",
    }
    argv = [install.tool("postgres"), "-D", str(layout.postgres_dir / "data")]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    return argv


def admin_conninfo(layout: StackLayout, dbname: str = "postgres") -> str:
    """A libpq conninfo for the superuser through the unix socket."""
    return (
        f"host={layout.postgres_socket_dir} port={layout.ports.postgres} "
        f"user={SUPERUSER} dbname={dbname}"
    )


def admin_database_url(layout: StackLayout, dbname: str = "postgres") -> str:
    """The superuser's SQLAlchemy URL (unix socket), for tests that make throwaway databases."""
    return (
        f"postgresql+psycopg://{SUPERUSER}@/{dbname}"
        f"?host={layout.postgres_socket_dir}&port={layout.ports.postgres}"
    )


def provision(layout: StackLayout) -> None:
    """Create (or update) one login role and one owned database per app; idempotent."""
    with psycopg.connect(admin_conninfo(layout), autocommit=True) as connection:
        for database, role in DATABASES.items():
            password = ensure_password(layout.secrets_dir, role)
            exists = connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)
            ).fetchone()
            verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
            connection.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                    verb, sql.Identifier(role), sql.Literal(password)
                )
            )
            has_db = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if not has_db:
                connection.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(role)
                    )
                )
            # Least privilege: only the owner connects to an app's database.
            connection.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
            )
