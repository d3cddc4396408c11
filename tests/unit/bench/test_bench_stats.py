"""Percentiles and latency summaries."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.stats import BlockSample, block_ratios, latency_stats, pair_ratios, percentile

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


def _paired(values: list[float], scale: float, blocks: int) -> list[BlockSample]:
    """Each value on both sides (B scaled) in each of `blocks` one-second blocks."""
    return [
        sample
        for block in range(blocks)
        for index, value in enumerate(values)
        for sample in (
            BlockSample(block + index / (len(values) + 1), False, value + block),
            BlockSample(block + index / (len(values) + 1), True, (value + block) * scale),
        )
    ]


@given(
    st.lists(st.floats(min_value=1, max_value=1e4), min_size=1, max_size=30),
    st.floats(min_value=0.5, max_value=2),
)
def test_a_side_scaled_in_every_block_gives_that_ratio_with_no_spread(
    values: list[float], scale: float
) -> None:
    ratios = block_ratios(_paired(values, scale, 4), (0.5, 0.99), 1.0, resamples=50)
    for ratio in ratios.values():
        assert ratio.value == pytest.approx(scale)
        assert ratio.low == pytest.approx(scale)
        assert ratio.high == pytest.approx(scale)


def test_blocks_are_drawn_the_same_for_both_sides() -> None:
    # Block 0 is slow for both sides, block 1 fast: drawn apart, the ratio would swing
    # between 0.1 and 10; drawn together it stays 1.
    samples = [
        BlockSample(0.5, False, 100.0),
        BlockSample(0.6, True, 100.0),
        BlockSample(1.5, False, 10.0),
        BlockSample(1.6, True, 10.0),
    ]
    ratio = block_ratios(samples, (0.5,), 1.0, resamples=200)[0.5]
    assert (ratio.value, ratio.low, ratio.high) == (1.0, 1.0, 1.0)


def test_a_block_with_one_side_only_is_left_out() -> None:
    samples = [BlockSample(0.5, False, 10.0), BlockSample(0.6, True, 12.0)]
    lone = [BlockSample(1.5, True, 1000.0)]
    assert block_ratios(samples + lone, (0.99,), 1.0)[0.99].value == pytest.approx(1.2)
    with pytest.raises(ValueError, match="both sides"):
        block_ratios(lone, (0.99,), 1.0)


@given(
    st.lists(
        st.tuples(
            st.lists(st.floats(min_value=1, max_value=1e4), min_size=1, max_size=20),
            st.floats(min_value=0.5, max_value=2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_pairs_ratios_weigh_alike_whatever_their_latencies(
    pairs: list[tuple[list[float], float]],
) -> None:
    # Each pair's B is its A scaled; the result is the geometric mean of the scales, however
    # slow one pair is, and lies between the smallest and the largest scale.
    measured = [(values, [v * scale for v in values]) for values, scale in pairs]
    ratio = pair_ratios(measured, (0.99,), resamples=50)[0.99]
    scales = [scale for _values, scale in pairs]
    assert ratio.value == pytest.approx(statistics.geometric_mean(scales))
    # Within rounding: exp(mean(log)) and the interpolated percentiles may differ in the
    # last bits from the scales and from each other.
    slack = 1e-9
    assert min(scales) * (1 - slack) <= ratio.low <= ratio.high * (1 + slack)
    assert ratio.high <= max(scales) * (1 + slack)


def test_a_slow_pair_weighs_as_much_as_a_fast_one() -> None:
    fast = ([10.0] * 100, [10.0] * 100)  # no cost
    slow = ([1000.0] * 100, [1210.0] * 100)  # +21 %
    # Pooled, the slow pair would set both p99s: 1.21. Per pair: sqrt(1.21) = 1.1.
    assert pair_ratios([fast, slow], (0.99,))[0.99].value == pytest.approx(1.1)


def test_a_pair_with_one_side_only_is_left_out() -> None:
    assert pair_ratios([([10.0], [12.0]), ([], [99.0])], (0.5,))[0.5].value == pytest.approx(1.2)
    with pytest.raises(ValueError, match="both sides"):
        pair_ratios([([10.0], [])], (0.5,))
