"""Percentiles and latency summaries."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.stats import latency_stats, percentile

finite = st.floats(min_value=0, max_value=1e6, allow_nan=False)


def test_percentile_interpolates_like_numpy_linear() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.99) == pytest.approx(99.01)
    assert percentile([7.0], 0.99) == 7.0


@given(st.lists(finite, min_size=2, max_size=200))
def test_percentile_agrees_with_statistics_quantiles(values: list[float]) -> None:
    ordered = sorted(values)
    expected = statistics.quantiles(ordered, n=100, method="inclusive")
    assert percentile(ordered, 0.99) == pytest.approx(expected[98], rel=1e-9, abs=1e-6)
    assert percentile(ordered, 0.5) == pytest.approx(expected[49], rel=1e-9, abs=1e-6)


@given(st.lists(finite, min_size=1, max_size=100), st.floats(min_value=0, max_value=1))
def test_percentile_lies_within_the_values(values: list[float], fraction: float) -> None:
    ordered = sorted(values)
    assert ordered[0] - 1e-6 <= percentile(ordered, fraction) <= ordered[-1] + 1e-6


def test_time_outs_are_counted_apart() -> None:
    stats = latency_stats([10.0, None, 30.0, None])
    assert (stats.n, stats.timeouts) == (4, 2)
    assert stats.mean_ms == 20.0
    assert stats.max_ms == 30.0


def test_only_time_outs_give_no_latency() -> None:
    stats = latency_stats([None, None])
    assert stats.timeouts == 2
    assert stats.mean_ms is None
    assert stats.p99_ms is None


def test_no_values_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)
