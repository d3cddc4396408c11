"""The report's "where the time goes" table, computed from the clicks' traces: per load
step, the median and 99th percentile of each hop (ms), from the `trace` rows of a run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bench.rows import Row, TraceRow
from bench.stats import percentile
from bench.trace_hops import HOPS

__all__ = ["hops_table"]


def hops_table(rows: Iterable[Row]) -> str | None:
    """One line per (load step, hop): traces, p50 and p99 in ms; None without traces."""
    by_load: dict[int, list[TraceRow]] = defaultdict(list)
    for row in rows:
        if isinstance(row, TraceRow):
            by_load[row.load].append(row)
    if not by_load:
        return None
    lines = ["| load (msg/s) | hop | traces | p50 | p99 |", "|---:|---|---:|---:|---:|"]
    for load in sorted(by_load):
        for hop in HOPS:
            values = sorted(row.hops[hop] for row in by_load[load] if hop in row.hops)
            if values:
                lines.append(
                    f"| {load} | {hop} | {len(values)} | {percentile(values, 0.5):.1f}"
                    f" | {percentile(values, 0.99):.1f} |"
                )
    return "\n".join(lines)
