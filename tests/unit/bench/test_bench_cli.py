"""`python -m bench <what>`: one CLI names every tool, and each says what it prints."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.__main__ import TOOLS, main


def test_every_tool_has_its_subcommand() -> None:
    assert set(TOOLS) == {
        "browser",
        "report",
        "hotspots",
        "compare",
        "api",
        "handler",
        "projector",
        "capacity",
        "serde",
        "compression",
        "accounts",
        "tracing",
    }


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_each_help_says_what_it_prints(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    assert "print" in capsys.readouterr().out.lower()


def test_a_run_that_is_not_a_tool_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run"])
    assert exited.value.code == 2
    assert "invalid choice: 'run'" in capsys.readouterr().err


def test_tracing_report_prints_a_written_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "tracing.jsonl.gz"
    rows = [{"load": 1000, "block_s": 10.0}] + [
        {
            "sent_s": i / 10,
            "traced": i % 2 == 0,
            "latency_ms": 20.0 + i % 2,
        }
        for i in range(200)
    ]
    with gzip.open(run, "wt") as written:
        written.writelines(json.dumps(row) + "\n" for row in rows)
    assert main(["tracing", "--report", str(run)]) == 0
    out = capsys.readouterr().out
    assert "| traced | 100 | 0 | 20.0 | 20.0 | 20.0 |" in out
    assert "| untraced | 100 | 0 | 21.0 | 21.0 | 21.0 |" in out
    assert "traced/untraced p99: 0.952 (90 % block bootstrap interval 0.952 to 0.952" in out

    assert main(["tracing", "--report", str(run), str(run)]) == 0  # two runs, pooled
    assert "| traced | 200 | 0 | 20.0 | 20.0 | 20.0 |" in capsys.readouterr().out


def test_tracing_refuses_what_it_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tracing", "--report", str(tmp_path / "missing.jsonl.gz")]) == 2
    assert "cannot read a tracing run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["tracing", "--rate", "0"])
    assert exited.value.code == 2
    assert "must be above 0, got 0" in capsys.readouterr().err
