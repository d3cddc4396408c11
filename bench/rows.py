"""The rows of a benchmark run, one JSON object per line (JSON Lines).

A run file holds, in order: one ``run`` row (settings and machine facts), ``interaction``
rows (one per click), ``resources`` rows (every N interactions), ``trace`` rows (each click's
trace from Zipkin, cut into hops) and one ``end`` row.
Latencies are milliseconds (float); memory is MiB; CPU is percent of one core (so a
process using two cores fully shows 200). The format is described in docs/benchmark.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

__all__ = [
    "ComponentUsage",
    "EndRow",
    "InteractionRow",
    "ResourceRow",
    "Row",
    "RowFormatError",
    "RunRow",
    "TraceRow",
    "dump_row",
    "parse_row",
    "read_rows",
    "write_rows",
]


class RowFormatError(ValueError):
    """A line of a run file is not a row this version understands."""


@dataclass(frozen=True, slots=True)
class RunRow:
    """The first row: what was asked for and on which machine."""

    run_id: str
    started_at: str
    """ISO 8601, UTC."""
    settings: dict[str, Any]
    machine: dict[str, Any]
    type: Literal["run"] = "run"


@dataclass(frozen=True, slots=True)
class InteractionRow:
    """One click and how long until its amount showed in the transaction list."""

    n: int
    """Interaction number, from 0."""
    at: float
    """Unix time (s) of the click."""
    load: int
    """Background load asked of the heartbeat when clicking, messages/s."""
    kind: Literal["deposit", "transfer"]
    amount_cents: int
    latency_ms: float | None
    """Click to MutationObserver callback; None when it timed out."""
    polled_ms: float | None
    """What polling every 50 ms would have measured; None when it timed out."""
    beats: int | None = None
    """Heartbeats produced so far (the control API's counter), None if unreadable."""
    error: str | None = None
    answered_ms: float | None = None
    """Click to the form's status showing the command's answer (the command path alone)."""
    painted_ms: float | None = None
    """Click to the first animation frame after the DOM change: the amount on screen."""
    traced: bool | None = None
    """Whether the click's trace context went out sampled; None: the run traced every click."""
    type: Literal["interaction"] = "interaction"

    @property
    def timed_out(self) -> bool:
        return self.latency_ms is None


@dataclass(frozen=True, slots=True)
class ComponentUsage:
    """CPU (% of one core, since the previous sample) and memory of one component."""

    cpu_percent: float
    rss_mib: float
    processes: int = 1
    started_at: float | None = None
    """Unix time (s) the component's root process started; a change between two samples
    means it was restarted in between (others restart their services on a shared stack)."""


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """A sample of every component's processes, taken after interaction ``n``."""

    n: int
    at: float
    load: int
    components: dict[str, ComponentUsage] = field(default_factory=dict)
    lags: dict[str, int] = field(default_factory=dict)
    """Messages each service's consumer group is behind (bench/lag.py)."""
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    """Each service's own cumulative counters and gauges (bench/service_metrics.py), and
    the heartbeat's ``produced``/``delivered``/``failed`` counters under ``heartbeat``."""
    load_average_1m: float | None = None
    """The machine's 1-minute load average when sampled: how busy it was beside the run."""
    type: Literal["resources"] = "resources"


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One click's trace, read back from Zipkin after the run: milliseconds per hop
    (bench/trace_hops.py)."""

    at: float
    """Unix time (s) of the click."""
    load: int
    trace_id: str
    hops: dict[str, float] = field(default_factory=dict)
    type: Literal["trace"] = "trace"


@dataclass(frozen=True, slots=True)
class EndRow:
    """Why and where the run stopped."""

    reason: str
    interactions: int
    max_load: int
    """The highest background load (messages/s) that was asked for during the run."""
    delivered_per_second: float | None = None
    """Heartbeats Kafka acknowledged per second over the last load step, if known."""
    type: Literal["end"] = "end"


Row: TypeAlias = RunRow | InteractionRow | ResourceRow | TraceRow | EndRow


def dump_row(row: Row) -> str:
    """One line of JSON (no newline)."""
    return json.dumps(asdict(row), separators=(",", ":"), ensure_ascii=False)


def parse_row(line: str) -> Row:
    """The row a line holds; raises RowFormatError for anything else."""
    try:
        data = json.loads(line)
        kind = data.pop("type")
        if kind == "run":
            return RunRow(**data)
        if kind == "interaction":
            return InteractionRow(**data)
        if kind == "resources":
            components = {
                name: ComponentUsage(**usage) for name, usage in data.pop("components").items()
            }
            return ResourceRow(components=components, **data)
        if kind == "trace":
            return TraceRow(**data)
        if kind == "end":
            return EndRow(**data)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise RowFormatError(f"not a benchmark row: {line[:120]!r} ({error})") from error
    raise RowFormatError(f"unknown row type {kind!r}")


def read_rows(path: Path) -> Iterator[Row]:
    """The rows of one run file, skipping blank lines."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield parse_row(line)


def write_rows(path: Path, rows: Iterable[Row]) -> None:
    """Write rows to a new file (used by tests and by report fixtures)."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(dump_row(row) + "\n")
