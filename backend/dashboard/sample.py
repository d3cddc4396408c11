"""One dashboard sample: cumulative figures at one moment, as Prometheus keeps them.

Rates and quantiles over a window are differences between two samples; the browser
computes them (frontend/src/dashboard/window.ts), as Prometheus' ``rate()`` and
``histogram_quantile()`` would, so a sample stays the raw truth of one moment.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Histogram", "Sample", "Usage"]


@dataclass(frozen=True, slots=True)
class Histogram:
    """Cumulative bucket counts: ``counts[i]`` observations ≤ ``bounds[i]`` seconds; the
    last count (one more than the bounds) is every observation (the ``+Inf`` bucket)."""

    bounds: tuple[float, ...]
    counts: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Usage:
    """CPU seconds used so far (user + system) and resident memory of one component."""

    cpu_seconds: float
    rss_bytes: int


@dataclass(frozen=True, slots=True)
class Sample:
    """What the stack looked like at ``at`` (Unix seconds); None: that source was silent."""

    at: float
    commands_total: int | None
    answers_total: float | None
    latency: dict[str, Histogram]
    lag: dict[str, int | None]
    components: dict[str, Usage]
