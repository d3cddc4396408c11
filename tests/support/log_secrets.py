"""Which of a run's secrets a log of the stack holds: the check behind "no secret in a log".

The secrets are the files of the run's `secrets/` folder (database passwords and any key
kept there), every account token the command handler handed out, and the passwords the
tests typed. Reports name a secret by where it came from, never by its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import psycopg

from stack.layout import StackLayout
from stack.postgres import admin_conninfo

__all__ = ["issued_tokens", "secret_files", "secrets_in", "stack_logs"]

#: Shorter values could match ordinary text by chance.
MIN_SECRET_LENGTH = 8
_DIGITS = re.compile(r"\d+")


def secrets_in(text: str, secrets: Mapping[str, str]) -> list[str]:
    """The names of the `secrets` (name -> value) whose value occurs in `text`.

    Tokens are digits and there are thousands of them: they are looked up in every run of
    digits of the text (a token inside a longer number counts too); other values with `in`.
    """
    by_value = {value: name for name, value in secrets.items() if len(value) >= MIN_SECRET_LENGTH}
    numeric = {value for value in by_value if value.isdigit()}
    lengths = {len(value) for value in numeric}
    found = {value for value in by_value.keys() - numeric if value in text}
    for match in _DIGITS.finditer(text):
        run = match.group()
        for length in lengths:
            for start in range(len(run) - length + 1):
                if run[start : start + length] in numeric:
                    found.add(run[start : start + length])
    return sorted(by_value[value] for value in found)


def stack_logs(layout: StackLayout) -> list[Path]:
    """Every log the stack writes: each process's log (nginx's holds its access log) and
    anything left in nginx's folder by an older version."""
    logs = [*layout.logs_dir.glob("*.log"), *layout.nginx_dir.glob("*.log")]
    return sorted(path for path in logs if path.is_file())


def secret_files(layout: StackLayout) -> dict[str, str]:
    """`secrets/<file>` -> its value, for every file of the run's secrets folder."""
    return {
        f"secrets/{path.name}": path.read_text().strip()
        for path in sorted(layout.secrets_dir.iterdir())
        if path.is_file()
    }


def issued_tokens(layout: StackLayout) -> dict[str, str]:
    """`token of <iban>` -> token, for every account the command handler knows."""
    with psycopg.connect(admin_conninfo(layout, "command_handler"), connect_timeout=5) as admin:
        rows: Iterable[tuple[str, str]] = admin.execute("SELECT iban, token FROM balance")
        return {f"token of {iban}": token for iban, token in rows}
