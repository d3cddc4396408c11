"""`./bank env NAME` as `export` lines, secrets masked unless asked for.

A terminal's scrollback, a screen share or a pasted bug report should not carry a database
password or a key; `--show-secrets` prints them for `eval "$(./bank env NAME --show-secrets)"`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "export_lines", "is_secret_name", "masked"]

MASK = "********"
# Variables whose whole value is a secret; one that names a file (`..._FILE`, `_LOCATION`,
# `_PATH`) holds a path, which `eval` needs as it is and which tells nobody the secret.
_SECRET_NAME = re.compile(r"TOKEN|PASSWORD|SECRET", re.IGNORECASE)
_PATH_NAME = re.compile(r"_(FILE|LOCATION|PATH|DIR)$", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """Whether the variable `name` holds a secret as its whole value (a file path does not)."""
    return _SECRET_NAME.search(name) is not None and _PATH_NAME.search(name) is None


def _mask_url_password(value: str) -> str:
    """`scheme://user:********@host/...` for a URL with a password; other values unchanged."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.password is None:
        return value
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def masked(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with every secret value replaced by `MASK` (a URL keeps all but its password)."""
    return {
        name: MASK if is_secret_name(name) else _mask_url_password(value)
        for name, value in env.items()
    }


def export_lines(env: Mapping[str, str], *, show_secrets: bool) -> list[str]:
    """One shell-quoted `export NAME=value` line per variable."""
    shown = env if show_secrets else masked(env)
    return [f"export {name}={shlex.quote(value)}" for name, value in shown.items()]
