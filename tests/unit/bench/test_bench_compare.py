"""`python -m bench compare`: pooling runs at one load and the bootstrap ratio (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.compare import latencies_at, ratio_interval
from bench.rows import InteractionRow, write_rows


def _run(path: Path, latencies: list[float | None], load: int) -> Path:
    rows = [
        InteractionRow(n, 0.0, load, "deposit", 1000, value, value)
        for n, value in enumerate(latencies)
    ]
    write_rows(path, rows)
    return path


def test_clicks_are_pooled_over_runs_at_the_load_asked(tmp_path: Path) -> None:
    first = _run(tmp_path / "a.jsonl", [10.0, None], 1000)
    second = _run(tmp_path / "b.jsonl", [30.0], 1000)
    other_load = _run(tmp_path / "c.jsonl", [99.0], 0)
    assert latencies_at([first, second, other_load], 1000) == [10.0, None, 30.0]


def test_equal_sides_give_a_ratio_of_one_inside_its_interval() -> None:
    values = [float(v) for v in range(1, 201)]
    ratio = ratio_interval(values, values, 0.99)
    assert ratio.value == 1.0
    assert ratio.low <= 1.0 <= ratio.high


def test_a_side_twice_as_slow_shows_and_its_interval_excludes_one() -> None:
    a = [float(v) for v in range(1, 401)]
    b = [2 * v for v in a]
    ratio = ratio_interval(a, b, 0.5)
    assert ratio.value == pytest.approx(2.0)
    assert 1.0 < ratio.low <= 2.0 <= ratio.high


def test_a_side_without_clicks_is_an_error() -> None:
    with pytest.raises(ValueError, match="both sides"):
        ratio_interval([], [1.0], 0.99)
