"""Run files round-trip through JSON Lines; foreign lines are refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.rows import RowFormatError, dump_row, parse_row, read_rows, write_rows
from bench.synthetic import synthetic_run


def test_every_row_kind_round_trips() -> None:
    for row in synthetic_run():
        assert parse_row(dump_row(row)) == row


def test_a_file_reads_back_in_order(tmp_path: Path) -> None:
    rows = synthetic_run()
    path = tmp_path / "run.jsonl"
    write_rows(path, rows)
    assert list(read_rows(path)) == rows


@pytest.mark.parametrize(
    "line", ['{"type": "nonsense"}', "not json", '{"type": "end"}', "[1]", '{"n": 1}']
)
def test_foreign_lines_are_refused(line: str) -> None:
    with pytest.raises(RowFormatError):
        parse_row(line)
