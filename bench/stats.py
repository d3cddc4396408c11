"""Latency statistics per load step, as pure functions over interaction rows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LatencyStats", "latency_stats", "percentile"]


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
