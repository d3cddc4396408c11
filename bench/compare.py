"""`python -m bench compare`: two sets of browser-benchmark runs at one load, pooled.

For an A/B question (tracing off against on, an old build against a new one) each side's
clicks at `--load` are pooled over its runs; it prints n, time-outs, mean, p50 and p99 per
side, and the B/A ratio of the p50 and the p99 with a 90 % bootstrap interval, 2,000 times,
seeded. The bootstrap draws runs first, then clicks within each drawn run: runs of one
setting differ from each other (each starts a fresh stack), so resampling pooled clicks
alone would give an interval far narrower than the runs warrant. An interval that holds
1.05 means the runs cannot tell a 5 % difference from noise: make more runs, alternating A
and B.

`--within RUNS` compares inside each run instead: A is its untraced clicks, B its traced
ones (`browser --untraced-every`), and each bootstrap draw takes the same runs for both, so
what the runs share (the stack, the machine, the background load) cancels out.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.rows import InteractionRow, read_rows
from bench.stats import Ratio, latency_stats, percentile

__all__ = ["HELP", "configure", "latencies_at", "ratio_interval", "run"]

HELP = "compare two sets of browser runs at one load (pooled p50/p99, bootstrap interval)"
_RESAMPLES = 2_000
_SEED = 1


def latencies_at(
    paths: Sequence[Path], load: int, traced: bool | None = None
) -> list[list[float | None]]:
    """Per run in `paths`, its click latencies (None: timed out) at `load` msg/s; only the
    traced or the untraced clicks when `traced` says which."""
    return [
        [
            row.latency_ms
            for row in read_rows(path)
            if isinstance(row, InteractionRow)
            and row.load == load
            and (traced is None or row.traced is traced)
        ]
        for path in paths
    ]


def _redraw(rng: random.Random, runs: Sequence[Sequence[float]]) -> list[float]:
    """The clicks of `runs` (drawn runs, with repeats), each run's drawn again with
    replacement, as many as it has; sorted."""
    return sorted(click for run in runs for click in rng.choices(run, k=len(run)))


def ratio_interval(
    a: Sequence[Sequence[float]],
    b: Sequence[Sequence[float]],
    fraction: float,
    resamples: int = _RESAMPLES,
    *,
    paired: bool = False,
) -> Ratio:
    """The `fraction` quantile of `b`'s pooled runs over that of `a`'s, with its 90 %
    two-stage bootstrap interval (runs, then clicks within them). `paired`: `a[i]` and
    `b[i]` come from the same run, and each draw takes the same runs on both sides."""
    if paired:
        if len(a) != len(b):
            raise ValueError("paired sides need the same runs")
        kept = [(x, y) for x, y in zip(a, b, strict=True) if x and y]
        a, b = [x for x, _ in kept], [y for _, y in kept]
    else:
        a = [run for run in a if run]
        b = [run for run in b if run]
    if not a or not b:
        raise ValueError("both sides need completed clicks at that load")
    rng = random.Random(_SEED)
    draws = []
    for _ in range(resamples):
        picked_a = rng.choices(range(len(a)), k=len(a))
        picked_b = picked_a if paired else rng.choices(range(len(b)), k=len(b))
        drawn_b = _redraw(rng, [b[i] for i in picked_b])
        drawn_a = _redraw(rng, [a[i] for i in picked_a])
        draws.append(percentile(drawn_b, fraction) / percentile(drawn_a, fraction))
    draws.sort()
    pooled_a = sorted(click for run in a for click in run)
    pooled_b = sorted(click for run in b for click in run)
    value = percentile(pooled_b, fraction) / percentile(pooled_a, fraction)
    return Ratio(value, percentile(draws, 0.05), percentile(draws, 0.95))


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--load", type=int, required=True, help="the load step (msg/s)")
    parser.add_argument("--a", type=Path, nargs="+", help="run files of A")
    parser.add_argument("--b", type=Path, nargs="+", help="run files of B")
    parser.add_argument(
        "--within",
        type=Path,
        nargs="+",
        help="runs made with --untraced-every: A their untraced clicks, B their traced ones",
    )


def run(args: argparse.Namespace) -> int:
    paired = args.within is not None
    given_ab = (args.a is not None, args.b is not None)
    if given_ab != ((False, False) if paired else (True, True)):
        print("give either --a and --b, or --within", file=sys.stderr)
        return 2
    if paired:
        files = {"A": args.within, "B": args.within}
        sides = {
            "A": latencies_at(args.within, args.load, traced=False),
            "B": latencies_at(args.within, args.load, traced=True),
        }
        print(f"click → amount shown at {args.load} msg/s, A untraced, B traced (ms):")
    else:
        files = {"A": args.a, "B": args.b}
        sides = {"A": latencies_at(args.a, args.load), "B": latencies_at(args.b, args.load)}
        print(f"click → amount shown at {args.load} msg/s, pooled (ms):")
    print("| side | runs | n | time-outs | mean | p50 | p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for side, paths in files.items():
        stats = latency_stats([click for run in sides[side] for click in run])
        if stats.mean_ms is None or stats.p50_ms is None or stats.p99_ms is None:
            print(f"no completed click at {args.load} msg/s in {side}'s runs")
            return 1
        print(
            f"| {side} | {len(paths)} | {stats.n} | {stats.timeouts} | {stats.mean_ms:.1f}"
            f" | {stats.p50_ms:.1f} | {stats.p99_ms:.1f} |"
        )
    done = {
        side: [[v for v in run if v is not None] for run in runs] for side, runs in sides.items()
    }
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        ratio = ratio_interval(done["A"], done["B"], fraction, paired=paired)
        print(
            f"B/A {name}: {ratio.value:.3f} (90 % bootstrap interval over runs and clicks"
            f" {ratio.low:.3f} to {ratio.high:.3f})"
        )
    return 0
