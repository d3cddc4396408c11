"""Secrets of the stack, generated at the first `up` and kept with mode 0600: the passwords
of the database roles and the company account's token.

They never enter the repository, a command line or a log; the stack reads them when it
builds a service's environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from stack.errors import StackError
from topology.iban import new_token

__all__ = [
    "ensure_company_token",
    "ensure_password",
    "password_file",
    "read_company_token",
    "read_password",
]

_PASSWORD_BYTES = 24
_COMPANY_TOKEN_FILE = "company.token"  # noqa: S105 - a file name, not a secret


def password_file(secrets_dir: Path, role: str) -> Path:
    """Where the password of `role` is kept."""
    return secrets_dir / f"{role}.password"


def _ensure_secret(path: Path, make: Callable[[], str]) -> None:
    """Write `make()` to `path` (0600, in a 0700 folder) unless the file exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make() + "\n")


def _read_secret(path: Path, what: str) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError as exc:
        raise StackError(
            f"no {what} in {path.parent}", "start the stack with ./bank up (it generates them)"
        ) from exc


def ensure_password(secrets_dir: Path, role: str) -> str:
    """The password of `role`, generated (URL-safe, 192 bits) if there is none yet."""
    _ensure_secret(password_file(secrets_dir, role), lambda: secrets.token_urlsafe(_PASSWORD_BYTES))
    return read_password(secrets_dir, role)


def read_password(secrets_dir: Path, role: str) -> str:
    """The stored password of `role`; a `StackError` if the stack never made it."""
    return _read_secret(password_file(secrets_dir, role), f"password for database role {role!r}")


def ensure_company_token(secrets_dir: Path) -> str:
    """The company account's token, generated if there is none yet: 20 digits drawn like
    every account's token, from the operating system's randomness (`secrets`)."""
    _ensure_secret(secrets_dir / _COMPANY_TOKEN_FILE, lambda: new_token(secrets.SystemRandom()))
    return read_company_token(secrets_dir)


def read_company_token(secrets_dir: Path) -> str:
    """The stored company token; a `StackError` if the stack never made it."""
    return _read_secret(secrets_dir / _COMPANY_TOKEN_FILE, "company account token")
