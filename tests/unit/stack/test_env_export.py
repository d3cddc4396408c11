"""`./bank env`: secrets masked unless asked for, and `eval` of the full output still works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stack.__main__ import main
from stack.env_export import MASK, export_lines, is_secret_name, masked
from stack.passwords import ensure_password

ENV = {
    "OPEN_BANK_DATABASE_URL": "postgresql+psycopg://backend:s3cr%2Ft@127.0.0.1:5433/backend",
    "OPEN_BANK_COMPANY_TOKEN": "12345678901234567890",
    "OPEN_BANK_REGISTRY_PASSWORD": "hunter2",
    "OPEN_BANK_SESSION_SECRET": "xyz",
    "OPEN_BANK_KAFKA_SSL_KEY_LOCATION": "/run/certs/backend.key",
    "OPEN_BANK_COMPANY_TOKEN_FILE": "/run/secrets/company.token",
    "OPEN_BANK_WEB_URL": "http://127.0.0.1:8080/",
}


def test_secrets_are_masked_and_the_rest_is_kept() -> None:
    shown = masked(ENV)
    assert shown["OPEN_BANK_DATABASE_URL"] == (
        f"postgresql+psycopg://backend:{MASK}@127.0.0.1:5433/backend"
    )
    for name in (
        "OPEN_BANK_COMPANY_TOKEN",
        "OPEN_BANK_REGISTRY_PASSWORD",
        "OPEN_BANK_SESSION_SECRET",
    ):
        assert shown[name] == MASK
    for name in (
        "OPEN_BANK_KAFKA_SSL_KEY_LOCATION",
        "OPEN_BANK_COMPANY_TOKEN_FILE",
        "OPEN_BANK_WEB_URL",
    ):
        assert shown[name] == ENV[name]
    printed = "\n".join(export_lines(ENV, show_secrets=False))
    for secret in ("s3cr", "12345678901234567890", "hunter2", "xyz"):
        assert secret not in printed


def test_file_names_are_not_secrets() -> None:
    assert is_secret_name("OPEN_BANK_TOKEN")
    assert not is_secret_name("OPEN_BANK_TOKEN_FILE")
    assert not is_secret_name("OPEN_BANK_KAFKA_SSL_KEY_LOCATION")


def test_show_secrets_output_evaluates_to_the_same_environment() -> None:
    lines = export_lines(ENV, show_secrets=True)
    script = "\n".join([*lines, *(f'printf "%s\\0" "${name}"' for name in ENV)])
    printed = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout
    assert printed.decode().split("\0")[:-1] == list(ENV.values())


def test_bank_env_masks_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPEN_BANK_RUN_DIR", str(tmp_path))
    monkeypatch.setenv("OPEN_BANK_PORT_OFFSET", "1000")
    password = ensure_password(tmp_path / "secrets", "backend")
    assert main(["env", "backend"]) == 0
    masked_run = capsys.readouterr()
    assert password not in masked_run.out
    assert f"backend:{MASK}@" in masked_run.out
    assert "--show-secrets" in masked_run.err
    assert main(["env", "backend", "--show-secrets"]) == 0
    assert password in capsys.readouterr().out


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path: Path) -> None:
    """`./bank status | head -1`: no traceback once the reader has gone. `true` exits
    before Python has started, so the first line written meets a closed pipe."""
    ensure_password(tmp_path / "secrets", "backend")
    env = {**os.environ, "OPEN_BANK_RUN_DIR": str(tmp_path), "OPEN_BANK_PORT_OFFSET": "1000"}
    script = f"{sys.executable} -m stack env backend | true; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "141"
