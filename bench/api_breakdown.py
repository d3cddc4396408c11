"""Where the API benchmark's time went: the backend's own histograms, before and after.

The backend measures each transfer inside itself (`backend_transfer_seconds`), from
publishing the command to its feedback (`backend_result_latency_seconds`) and by stage
(`backend_transfer_stage_seconds`); the difference of their sums and counts over a phase
gives the phase's mean per stage, printed beside what the client measured.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable

import httpx

from bench.api_phases import PhaseResult

__all__ = ["histogram_totals", "measured", "print_breakdown"]

#: Histograms whose means the breakdown shows: (metric, label value or None) -> column.
_BREAKDOWN = {
    ("backend_transfer_seconds", None): "inside",
    ("backend_result_latency_seconds", "transfer"): "behind",
    ("backend_transfer_stage_seconds", "publish"): "publish",
    ("backend_transfer_stage_seconds", "handler"): "handler",
    ("backend_transfer_stage_seconds", "kafka_back"): "kafka_back",
    ("backend_transfer_stage_seconds", "handoff"): "handoff",
}
_SAMPLE = re.compile(r'^(\w+)_(sum|count)(?:\{\w+="([^"]*)"\})? (\S+)$', re.M)


def histogram_totals(metrics_url: str) -> dict[tuple[str, str], float]:
    """(column, "sum" or "count") -> value, for the histograms of ``_BREAKDOWN``."""
    response = httpx.get(metrics_url, timeout=10)
    if response.status_code != 200:  # the in-memory server has no metrics
        return {}
    totals: dict[tuple[str, str], float] = {}
    for name, kind, label, value in _SAMPLE.findall(response.text):
        column = _BREAKDOWN.get((name, label or None))
        if column is not None:
            totals[column, kind] = float(value)
    return totals


async def measured(metrics_url: str, phase: Callable[[], Awaitable[PhaseResult]]) -> PhaseResult:
    """Run ``phase`` and add the backend's own view of where the time went (mean ms)."""
    before = histogram_totals(metrics_url)
    result = await phase()
    after = histogram_totals(metrics_url)

    def mean_ms(column: str) -> float | None:
        count = after.get((column, "count"), 0) - before.get((column, "count"), 0)
        total = after.get((column, "sum"), 0) - before.get((column, "sum"), 0)
        return round(total / count * 1000, 2) if count else None

    means = {column: mean_ms(column) for column in _BREAKDOWN.values()}
    return dataclasses.replace(
        result,
        inside_backend_ms=means.pop("inside"),
        behind_backend_ms=means.pop("behind"),
        stages_ms={column: value for column, value in means.items() if value is not None},
    )


def print_breakdown(results: list[PhaseResult]) -> None:
    """Where the mean went, ms: client side, then inside the backend, stage by stage."""
    if not any(r.stages_ms for r in results):
        return
    columns = ["client", "outside", "inside", "handler", "kafka_back", "handoff", "rest"]
    print("\nmean ms by stage" + "".join(f"{c:>11}" for c in columns) + f"{'publish':>11}")
    for r in results:
        stages = r.stages_ms
        inside = r.inside_backend_ms or 0.0
        known = sum(stages.get(stage, 0.0) for stage in ("handler", "kafka_back", "handoff"))
        row = {
            "client": r.mean_ms,
            "outside": r.mean_ms - inside,
            "inside": inside,
            **stages,
            "rest": inside - known,
        }
        cells = "".join(f"{row.get(c, float('nan')):>11.2f}" for c in [*columns, "publish"])
        print(f"{r.phase:<16}{cells}")
    print(
        "outside = client - inside: the client, WebSocket and strawberry; handler = publish "
        "to the answer's Kafka timestamp;\nkafka_back = to our consumer thread (handler's "
        "commit + fetch); handoff = thread to event loop; rest = inside - those three "
        "(look-up, wake-ups);\npublish = produce to broker ack (overlaps handler)"
    )
