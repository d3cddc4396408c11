"""Runs the frontend's own unit tests (Vitest: money parsing and formatting, IBAN check,
form validation, uuid, benchmark summary reader) so `./bank test` and CI include them."""

import subprocess
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
#: npm ci on a cold cache, then Vitest (s).
NPM_TIMEOUT_S = 100


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=FRONTEND, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False
    )


def test_vitest_suite_passes() -> None:
    lock_installed = FRONTEND / "node_modules" / ".package-lock.json"
    if not lock_installed.exists():
        installed = _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stderr}"
    result = _run("npx", "vitest", "run", "--reporter=dot")
    assert result.returncode == 0, f"Vitest failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout
