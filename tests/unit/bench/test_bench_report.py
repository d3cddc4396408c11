"""The whole report from run files: Markdown, PNG charts and the UI's summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.charts import CHART_NAMES
from bench.report import ReportPaths, write_report
from bench.rows import write_rows
from bench.synthetic import synthetic_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_writes_every_output(tmp_path: Path) -> None:
    run_file = tmp_path / "run.jsonl"
    write_rows(run_file, synthetic_run())
    paths = ReportPaths(
        charts_dir=tmp_path / "docs",
        chart_prefix="benchmark-",
        summary_json=tmp_path / "public" / "summary.json",
        markdown=tmp_path / "report.md",
    )
    markdown = write_report([run_file], paths)
    assert "### Run test-run" in markdown
    assert "stopped: max_load" in markdown
    for name in CHART_NAMES:
        chart = tmp_path / "docs" / f"benchmark-{name}.png"
        assert chart.read_bytes().startswith(PNG_MAGIC)
        assert f"](docs/benchmark-{name}.png)" in markdown
    summary = json.loads((tmp_path / "public" / "summary.json").read_text())
    assert summary["format"] == 1
    assert [step["load"] for step in summary["runs"][0]["steps"]] == [0, 10, 20]
    assert (tmp_path / "report.md").read_text() == markdown


def test_several_runs_share_the_charts(tmp_path: Path) -> None:
    files = []
    for index in range(2):
        path = tmp_path / f"run{index}.jsonl"
        write_rows(path, synthetic_run(steps=2 + index))
        files.append(path)
    paths = ReportPaths(charts_dir=tmp_path, chart_prefix="", summary_json=None, markdown=None)
    markdown = write_report(files, paths)
    assert markdown.count("### Run") == 2


def test_no_run_files_is_refused() -> None:
    with pytest.raises(ValueError, match="no run files"):
        write_report([], ReportPaths(None, "", None, None))
