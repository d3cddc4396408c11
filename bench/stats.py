"""Latency statistics per load step, as pure functions over interaction rows."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "BlockSample",
    "LatencyStats",
    "Ratio",
    "block_ratios",
    "latency_stats",
    "pair_ratios",
    "percentile",
]


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) of already sorted values, linear interpolation.

    The same as numpy's default ("linear") method, so p99 of 60 samples lies between the
    two largest, rather than being the maximum as a nearest-rank p99 would.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    position = fraction * (len(sorted_values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    weight = position - below
    return sorted_values[below] * (1 - weight) + sorted_values[above] * weight


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Milliseconds over the interactions that completed; time-outs counted apart."""

    n: int
    timeouts: int
    mean_ms: float | None
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None


def latency_stats(latencies_ms: Sequence[float | None]) -> LatencyStats:
    """Summarise latencies where None stands for a time-out."""
    done = sorted(value for value in latencies_ms if value is not None)
    timeouts = len(latencies_ms) - len(done)
    if not done:
        return LatencyStats(len(latencies_ms), timeouts, None, None, None, None)
    return LatencyStats(
        n=len(latencies_ms),
        timeouts=timeouts,
        mean_ms=sum(done) / len(done),
        p50_ms=percentile(done, 0.5),
        p99_ms=percentile(done, 0.99),
        max_ms=done[-1],
    )


@dataclass(frozen=True, slots=True)
class Ratio:
    """B's quantile over A's, and the 5th and 95th percentile of its bootstrap."""

    value: float
    low: float
    high: float


class BlockSample(NamedTuple):
    """One measurement of a paired run: when (s), which side (`b`: B, else A), its value."""

    at_s: float
    b: bool
    value: float


def block_ratios(
    samples: Iterable[BlockSample],
    fractions: Sequence[float],
    block_s: float,
    resamples: int = 2_000,
    seed: int = 1,
) -> dict[float, Ratio]:
    """Per quantile in `fractions`, B's over A's with a 90 % block bootstrap interval.

    The run is cut into blocks of `block_s` seconds; each draw takes blocks with
    replacement, the same for both sides, and pools each side's values in them. Samples
    close in time are not independent (a pause slows all of them), blocks nearly are, and
    drawing the same blocks for both sides keeps what they shared out of the ratio.
    """
    blocks: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for sample in samples:
        blocks[int(sample.at_s // block_s)][sample.b].append(sample.value)
    kept = [block for block in blocks.values() if block[0] and block[1]]
    if not kept:
        raise ValueError("no block holds values of both sides")
    rng = random.Random(seed)
    draws: dict[float, list[float]] = {fraction: [] for fraction in fractions}
    for _ in range(resamples):
        picked = rng.choices(kept, k=len(kept))
        side_a = sorted(value for block in picked for value in block[0])
        side_b = sorted(value for block in picked for value in block[1])
        for fraction in fractions:
            draws[fraction].append(percentile(side_b, fraction) / percentile(side_a, fraction))
    whole_a = sorted(value for block in kept for value in block[0])
    whole_b = sorted(value for block in kept for value in block[1])
    return {
        fraction: _with_interval(
            percentile(whole_b, fraction) / percentile(whole_a, fraction), values
        )
        for fraction, values in draws.items()
    }


def pair_ratios(
    pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
    fractions: Sequence[float],
    resamples: int = 2_000,
    seed: int = 1,
) -> dict[float, Ratio]:
    """Per quantile in `fractions`, the geometric mean over `pairs` (A's values, B's
    values) of each pair's B quantile over its A quantile, with a 90 % bootstrap interval
    that draws whole pairs with replacement.

    Every pair weighs alike: a pair measured on a slower stack moves the mean by its ratio,
    where pooling all pairs' values into one quantile per side would let its latencies set
    both quantiles. A pair with a side that has no values is left out.
    """
    logs: list[dict[float, float]] = []
    for a_values, b_values in pairs:
        if not a_values or not b_values:
            continue
        side_a, side_b = sorted(a_values), sorted(b_values)
        logs.append(
            {
                fraction: math.log(percentile(side_b, fraction) / percentile(side_a, fraction))
                for fraction in fractions
            }
        )
    if not logs:
        raise ValueError("no pair holds values of both sides")
    rng = random.Random(seed)
    draws: dict[float, list[float]] = {fraction: [] for fraction in fractions}
    for _ in range(resamples):
        picked = rng.choices(logs, k=len(logs))
        for fraction in fractions:
            draws[fraction].append(math.exp(sum(p[fraction] for p in picked) / len(picked)))
    return {
        fraction: _with_interval(math.exp(sum(p[fraction] for p in logs) / len(logs)), values)
        for fraction, values in draws.items()
    }


def _with_interval(value: float, draws: list[float]) -> Ratio:
    """`value` with the 5th and 95th percentile of its bootstrap `draws` (sorted here)."""
    draws.sort()
    return Ratio(value, percentile(draws, 0.05), percentile(draws, 0.95))
