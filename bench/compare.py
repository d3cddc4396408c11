"""`python -m bench compare`: two sets of browser-benchmark runs at one load, pooled.

For an A/B question (tracing off against on, an old build against a new one) each side's
clicks at `--load` are pooled over its runs; it prints n, time-outs, mean, p50 and p99 per
side, and the B/A ratio of the p50 and the p99 with a 90 % bootstrap interval (resampling
each side's clicks, 2,000 times, seeded). An interval that holds 1.05 means the runs
cannot tell a 5 % difference from noise: make more runs, alternating A and B.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.rows import InteractionRow, read_rows
from bench.stats import latency_stats, percentile

__all__ = ["HELP", "Ratio", "configure", "latencies_at", "ratio_interval", "run"]

HELP = "compare two sets of browser runs at one load (pooled p50/p99, bootstrap interval)"
_RESAMPLES = 2_000
_SEED = 1


@dataclass(frozen=True, slots=True)
class Ratio:
    """B's quantile over A's, and the 5th and 95th percentile of its bootstrap."""

    value: float
    low: float
    high: float


def latencies_at(paths: Sequence[Path], load: int) -> list[float | None]:
    """The click latencies (None: timed out) of every run in `paths` at `load` msg/s."""
    return [
        row.latency_ms
        for path in paths
        for row in read_rows(path)
        if isinstance(row, InteractionRow) and row.load == load
    ]


def ratio_interval(
    a: Sequence[float], b: Sequence[float], fraction: float, resamples: int = _RESAMPLES
) -> Ratio:
    """The `fraction` quantile of `b` over that of `a`, with its 90 % bootstrap interval."""
    if not a or not b:
        raise ValueError("both sides need completed clicks at that load")
    rng = random.Random(_SEED)
    draws = sorted(
        percentile(sorted(rng.choices(b, k=len(b))), fraction)
        / percentile(sorted(rng.choices(a, k=len(a))), fraction)
        for _ in range(resamples)
    )
    value = percentile(sorted(b), fraction) / percentile(sorted(a), fraction)
    return Ratio(value, percentile(draws, 0.05), percentile(draws, 0.95))


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--load", type=int, required=True, help="the load step (msg/s)")
    parser.add_argument("--a", type=Path, nargs="+", required=True, help="run files of A")
    parser.add_argument("--b", type=Path, nargs="+", required=True, help="run files of B")


def run(args: argparse.Namespace) -> int:
    sides = {"A": latencies_at(args.a, args.load), "B": latencies_at(args.b, args.load)}
    print(f"click → amount shown at {args.load} msg/s, pooled (ms):")
    print("| side | runs | n | time-outs | mean | p50 | p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for side, paths in (("A", args.a), ("B", args.b)):
        stats = latency_stats(sides[side])
        if stats.mean_ms is None or stats.p50_ms is None or stats.p99_ms is None:
            print(f"no completed click at {args.load} msg/s in {side}'s runs")
            return 1
        print(
            f"| {side} | {len(paths)} | {stats.n} | {stats.timeouts} | {stats.mean_ms:.1f}"
            f" | {stats.p50_ms:.1f} | {stats.p99_ms:.1f} |"
        )
    done = {side: [v for v in values if v is not None] for side, values in sides.items()}
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        ratio = ratio_interval(done["A"], done["B"], fraction)
        print(
            f"B/A {name}: {ratio.value:.3f} (90 % bootstrap interval"
            f" {ratio.low:.3f} to {ratio.high:.3f})"
        )
    return 0
