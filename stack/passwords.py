"""Passwords of the database roles: generated at the first `up`, kept with mode 0600.

They never enter the repository, a command line or a log; the stack reads them when it
builds a service's environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from stack.errors import StackError

__all__ = ["ensure_password", "password_file", "read_password"]

_PASSWORD_BYTES = 24


def password_file(secrets_dir: Path, role: str) -> Path:
    """Where the password of `role` is kept."""
    return secrets_dir / f"{role}.password"


def ensure_password(secrets_dir: Path, role: str) -> str:
    """The password of `role`, generated (URL-safe, 192 bits) if there is none yet."""
    secrets_dir.mkdir(parents=True, exist_ok=True)
    secrets_dir.chmod(0o700)
    path = password_file(secrets_dir, role)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(_PASSWORD_BYTES) + "\n")
    return read_password(secrets_dir, role)


def read_password(secrets_dir: Path, role: str) -> str:
    """The stored password of `role`; a `StackError` if the stack never made it."""
    path = password_file(secrets_dir, role)
    try:
        return path.read_text().strip()
    except FileNotFoundError as exc:
        raise StackError(
            f"no password for database role {role!r} in {secrets_dir}",
            "start the stack with ./bank up (it generates them)",
        ) from exc
