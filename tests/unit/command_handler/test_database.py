"""The service's PostgreSQL connection is psycopg directly: no SQLAlchemy in the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from command_handler.storage.database import libpq_url

_REPO = Path(__file__).resolve().parents[3]


def test_the_service_process_does_not_import_sqlalchemy() -> None:
    probe = "import sys, command_handler.service; print('sqlalchemy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=_REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_libpq_takes_the_url_without_the_driver() -> None:
    assert libpq_url("postgresql+psycopg://u:p%40@127.0.0.1:5433/d") == (
        "postgresql://u:p%40@127.0.0.1:5433/d"
    )
    assert libpq_url("postgresql://u@/d?host=/run") == "postgresql://u@/d?host=/run"
