"""Figures of a soak run, as pure functions: memory slope, latency per window.

A service leaks when its resident memory keeps growing at steady load: the least-squares
slope of RSS over time (MiB per hour), after a warm-up, says so in one number. Latency is
steady when the p50 and p99 of the last window are close to the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LatencyWindow", "latency_windows", "percentile", "slope_per_hour"]


def slope_per_hour(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (time in s, value) samples, in value units per hour."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_v = sum(v for _, v in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    covariance = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return covariance / spread * 3600


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class LatencyWindow:
    """Operations that ended in [start_s, start_s + width): count, mean, p50, p99, max (ms)."""

    start_s: float
    count: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def latency_windows(
    latencies: Sequence[tuple[float, float]], start_s: float, width_s: float
) -> list[LatencyWindow]:
    """(end time s, latency ms) samples grouped into consecutive windows from `start_s`."""
    buckets: dict[int, list[float]] = {}
    for ended, took in latencies:
        buckets.setdefault(int((ended - start_s) // width_s), []).append(took)
    return [
        LatencyWindow(
            start_s=index * width_s,
            count=len(values),
            mean_ms=sum(values) / len(values),
            p50_ms=percentile(values, 0.5),
            p99_ms=percentile(values, 0.99),
            max_ms=max(values),
        )
        for index, values in sorted(buckets.items())
    ]
