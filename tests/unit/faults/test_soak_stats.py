"""Soak figures: RSS slope per hour and latency windows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.faults.soak_stats import latency_windows, percentile, slope_per_hour


@given(
    st.floats(-1000, 1000, allow_nan=False),
    st.floats(0, 500, allow_nan=False),
    st.integers(2, 50),
)
def test_the_slope_of_a_straight_line_is_its_rate(
    per_hour: float, start: float, count: int
) -> None:
    samples = [(t * 30.0, start + per_hour * t * 30.0 / 3600) for t in range(count)]
    assert slope_per_hour(samples) == pytest.approx(per_hour, abs=1e-6)


def test_flat_or_too_few_samples_have_no_slope() -> None:
    assert slope_per_hour([]) == 0.0
    assert slope_per_hour([(0.0, 80.0)]) == 0.0
    assert slope_per_hour([(0.0, 80.0), (60.0, 80.0), (120.0, 80.0)]) == 0.0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([], 0.99) == 0.0


def test_latencies_fall_into_consecutive_windows() -> None:
    samples = [(1000.0 + 10, 100.0), (1000.0 + 20, 300.0), (1000.0 + 70, 50.0)]
    first, second = latency_windows(samples, 1000.0, 60.0)
    assert (first.start_s, first.count, first.mean_ms, first.max_ms) == (0.0, 2, 200.0, 300.0)
    assert (second.start_s, second.count, second.p99_ms) == (60.0, 1, 50.0)
    assert (first.p50_ms, second.p50_ms) == (100.0, 50.0)
