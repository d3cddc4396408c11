"""`python -m bench compare`: runs at one load and the two-stage bootstrap ratio (pure)."""

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


def test_clicks_are_kept_per_run_at_the_load_asked(tmp_path: Path) -> None:
    first = _run(tmp_path / "a.jsonl", [10.0, None], 1000)
    second = _run(tmp_path / "b.jsonl", [30.0], 1000)
    other_load = _run(tmp_path / "c.jsonl", [99.0], 0)
    assert latencies_at([first, second, other_load], 1000) == [[10.0, None], [30.0], []]


def test_equal_sides_give_a_ratio_of_one_inside_its_interval() -> None:
    runs = [[float(v) for v in range(1, 201)]] * 3
    ratio = ratio_interval(runs, runs, 0.99)
    assert ratio.value == 1.0
    assert ratio.low <= 1.0 <= ratio.high


def test_a_side_twice_as_slow_shows_and_its_interval_excludes_one() -> None:
    a = [[float(v) for v in range(1, 401)], [float(v) for v in range(2, 402)]]
    b = [[2 * v for v in run] for run in a]
    ratio = ratio_interval(a, b, 0.5)
    assert ratio.value == pytest.approx(2.0, rel=0.01)
    assert 1.0 < ratio.low <= 2.0 <= ratio.high


def test_runs_that_differ_widen_the_interval_beyond_what_pooled_clicks_give() -> None:
    # Within each run the clicks barely vary; the runs of one side differ by ±10 %.
    def runs(levels: list[float]) -> list[list[float]]:
        return [[level + 0.01 * i for i in range(200)] for level in levels]

    varied = ratio_interval(runs([90.0, 110.0, 95.0, 105.0]), runs([92.0, 112.0, 97.0, 107.0]), 0.5)
    steady = ratio_interval(runs([100.0] * 4), runs([102.0] * 4), 0.5)
    assert steady.low > 1.0  # one setting's runs agree: a 2 % shift shows
    assert varied.low < 1.0 < varied.high  # they do not: the same shift is within the noise


def test_a_side_without_clicks_is_an_error() -> None:
    with pytest.raises(ValueError, match="both sides"):
        ratio_interval([[]], [[1.0]], 0.99)


def test_traced_and_untraced_clicks_of_the_same_runs_are_told_apart(tmp_path: Path) -> None:
    rows = [
        InteractionRow(n, 0.0, 1000, "deposit", 1000, float(n), float(n), traced=n % 2 != 0)
        for n in range(4)
    ]
    path = tmp_path / "within.jsonl"
    write_rows(path, rows)
    assert latencies_at([path], 1000, traced=False) == [[0.0, 2.0]]
    assert latencies_at([path], 1000, traced=True) == [[1.0, 3.0]]
    assert latencies_at([path], 1000) == [[0.0, 1.0, 2.0, 3.0]]


def test_paired_runs_cancel_what_a_run_shares() -> None:
    # Each run has its own level; inside it, B is 2 % slower than A.
    levels = [90.0, 110.0, 95.0, 105.0]
    a = [[level + 0.01 * i for i in range(200)] for level in levels]
    b = [[1.02 * v for v in run] for run in a]
    paired = ratio_interval(a, b, 0.5, paired=True)
    apart = ratio_interval(a, b, 0.5)
    assert paired.value == pytest.approx(1.02, rel=0.005)
    assert 1.0 < paired.low <= 1.02 <= paired.high
    assert apart.low < 1.0 < apart.high


def test_paired_sides_need_the_same_runs() -> None:
    with pytest.raises(ValueError, match="same runs"):
        ratio_interval([[1.0]], [[1.0], [2.0]], 0.5, paired=True)
