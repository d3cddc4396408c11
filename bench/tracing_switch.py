"""Tracing on against off in the whole stack, back to back: the segments of
`python -m bench tracing --switch PAIRS`.

Each pair of segments runs once with tracing at its default sampling and once with
`OPEN_BANK_TRACING_ENABLED=false`, switched by `python -m stack up` with that environment
(it restarts the bank's own services, whose settings changed, and leaves Kafka, PostgreSQL,
the registry and nginx running and warm). The order alternates per pair (off on, on off, …)
so that a drift over the run weighs on both sides alike. Each pair gives one ratio, and the
pairs' ratios weigh alike in their geometric mean and its bootstrap: runs of one setting on
separate stacks differ by far more than tracing costs, two segments minutes apart on one
warm stack much less.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence

from bench.stats import latency_stats, pair_ratios
from bench.tracing_samples import Deposit
from stack.layout import REPO_DIR

__all__ = ["SwitchError", "print_switched_figures", "segment_order", "switch_stack_tracing"]

_KNOB = "OPEN_BANK_TRACING_ENABLED"
_UP_TIMEOUT_S = 300.0


class SwitchError(RuntimeError):
    """`stack up` could not restart the services with the setting asked."""


def segment_order(pairs: int) -> list[bool]:
    """Tracing on (True) or off per segment: off on, on off, off on, …"""
    order: list[bool] = []
    for pair in range(pairs):
        order += [True, False] if pair % 2 else [False, True]
    return order


def switch_stack_tracing(on: bool | None) -> None:
    """Restart the services whose settings differ with tracing `on` (its default sampling)
    or off; None: as this process's own environment says (the way it was found)."""
    environ = dict(os.environ)
    if on is not None:
        environ.pop(_KNOB, None)
        if not on:
            environ[_KNOB] = "false"
    result = subprocess.run(
        [sys.executable, "-m", "stack", "up"],
        cwd=REPO_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=_UP_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise SwitchError(f"python -m stack up failed: {(result.stderr or result.stdout)[-500:]}")


def print_switched_figures(deposits: Sequence[Deposit]) -> None:
    """Each segment's figures, then on over off for the whole stack: each pair's ratio, their
    geometric mean and its bootstrap over pairs (`bench.stats.pair_ratios`)."""
    print("segments (deposit → its result, ms; on: the traced half):")
    print("| segment | tracing | n | failed | p50 | p99 | CPU steal |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for segment in sorted({d.segment for d in deposits}):
        mine = [d for d in deposits if d.segment == segment]
        on, steal = mine[0].stack_tracing, mine[0].steal
        stats = latency_stats([d.latency_ms for d in mine if d.traced or not on])
        print(
            f"| {segment} | {'on' if on else 'off'} | {stats.n} | {stats.timeouts}"
            f" | {stats.p50_ms or 0:.1f} | {stats.p99_ms or 0:.1f}"
            f" | {'n/a' if steal is None else f'{steal:.1%}'} |"
        )
    for half, traced in (("traced", True), ("untraced", False)):
        # A pair's two segments; A: tracing off, B: on. Each side with the same half of its
        # deposits (those that ask for a trace, or those that do not), so both sides' p99
        # come from as many deposits: a p99 of fewer lies lower.
        sides: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for d in deposits:
            if d.latency_ms is not None and d.traced is traced:
                sides[d.segment // 2][d.stack_tracing].append(d.latency_ms)
        measured = [pair for pair in sides.values() if pair[0] and pair[1]]
        ratios = pair_ratios(measured, (0.5, 0.99))
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            ratio = ratios[fraction]
            print(
                f"tracing on ({half} deposits)/off {name}: {ratio.value:.3f} (geometric mean"
                f" over {len(measured)} pairs of segments, 90 % bootstrap interval"
                f" {ratio.low:.3f} to {ratio.high:.3f})"
            )
