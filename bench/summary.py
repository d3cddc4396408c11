"""One run's rows, grouped per background-load step: the numbers of the report.

Pure: takes parsed rows, returns plain data. ``summary_document`` is the JSON the UI's
Background page draws (``frontend/public/bench/summary.json``, format in docs/benchmark.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

from bench.rows import ComponentUsage, EndRow, InteractionRow, ResourceRow, Row, RunRow
from bench.service_rates import service_rates
from bench.stats import LatencyStats, latency_stats

__all__ = [
    "SUMMARY_FORMAT_VERSION",
    "RunSummary",
    "StepSummary",
    "summarise_run",
    "summary_document",
]

SUMMARY_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class StepSummary:
    """All interactions and samples taken while the heartbeat was asked for ``load`` msg/s."""

    load: int
    latency: LatencyStats
    polled: LatencyStats
    answered: LatencyStats
    """Click to the command's answer in the form's status line (command path only)."""
    components: dict[str, ComponentUsage]
    """Mean CPU (% of one core) and mean RSS (MiB) per component over the step's samples."""
    lags: dict[str, int]
    """Largest lag (messages) of each service's consumer group seen during the step."""
    painted: LatencyStats | None = None
    """Click to the first animation frame after the change (the amount on screen)."""
    load_average_1m: float | None = None
    """Mean of the machine's 1-minute load average over the step's samples."""
    restarted: tuple[str, ...] = ()
    """Components whose process was restarted during the step (its figures include that)."""
    services: dict[str, float | None] | None = None
    """The services' own figures over the step (bench/service_rates.py: msg/s, ms, sizes),
    from the sample before the step's first one to its last one; None without counters."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    started_at: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    end_reason: str | None
    max_load: int
    interactions: int
    steps: list[StepSummary]


def _mean_usage(samples: Sequence[ComponentUsage]) -> ComponentUsage:
    count = len(samples)
    return ComponentUsage(
        cpu_percent=sum(sample.cpu_percent for sample in samples) / count,
        rss_mib=sum(sample.rss_mib for sample in samples) / count,
        processes=max(sample.processes for sample in samples),
    )


def _services(
    before: ResourceRow | None, last: ResourceRow | None
) -> dict[str, float | None] | None:
    if before is None or last is None or not before.metrics or not last.metrics:
        return None
    if last.at <= before.at:
        return None
    return service_rates(before.metrics, last.metrics, last.at - before.at)


def _step(
    load: int,
    clicks: list[InteractionRow],
    samples: list[ResourceRow],
    before: ResourceRow | None,
) -> StepSummary:
    per_component: defaultdict[str, list[ComponentUsage]] = defaultdict(list)
    lags: dict[str, int] = {}
    for sample in samples:
        for name, usage in sample.components.items():
            per_component[name].append(usage)
        for group, lag in sample.lags.items():
            lags[group] = max(lag, lags.get(group, 0))
    return StepSummary(
        load=load,
        latency=latency_stats([click.latency_ms for click in clicks]),
        polled=latency_stats([click.polled_ms for click in clicks]),
        answered=latency_stats([click.answered_ms for click in clicks]),
        components={name: _mean_usage(usages) for name, usages in sorted(per_component.items())},
        lags=dict(sorted(lags.items())),
        painted=latency_stats([click.painted_ms for click in clicks]),
        load_average_1m=_mean_or_none(
            [sample.load_average_1m for sample in samples if sample.load_average_1m is not None]
        ),
        services=_services(before, samples[-1] if samples else None),
        restarted=_restarted([before, *samples] if before else samples),
    )


def _restarted(samples: Sequence[ResourceRow]) -> tuple[str, ...]:
    """Components whose root process changed from one sample to the next."""
    found: set[str] = set()
    for earlier, later in pairwise(samples):
        for name, usage in later.components.items():
            previous = earlier.components.get(name)
            if (
                previous is not None
                and previous.started_at is not None
                and usage.started_at is not None
                and usage.started_at != previous.started_at
            ):
                found.add(name)
    return tuple(sorted(found))


def _mean_or_none(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _sample_before(ordered: Sequence[ResourceRow], first: ResourceRow | None) -> ResourceRow | None:
    """The sample taken just before ``first`` (the previous step's last, or the baseline)."""
    if first is None:
        return None
    index = next(i for i, sample in enumerate(ordered) if sample is first)
    return ordered[index - 1] if index > 0 else None


def summarise_run(rows: Iterable[Row]) -> RunSummary:
    """Group one run's rows by load step (ascending); needs the run row first."""
    header: RunRow | None = None
    end: EndRow | None = None
    clicks: defaultdict[int, list[InteractionRow]] = defaultdict(list)
    samples: defaultdict[int, list[ResourceRow]] = defaultdict(list)
    ordered: list[ResourceRow] = []
    for row in rows:
        if isinstance(row, RunRow):
            header = row
        elif isinstance(row, InteractionRow):
            clicks[row.load].append(row)
        elif isinstance(row, ResourceRow):
            ordered.append(row)
            # n < 0: the baseline taken before the first click (CPU times, counters); it
            # measures no step.
            if row.n >= 0:
                samples[row.load].append(row)
        elif isinstance(row, EndRow):
            end = row
    if header is None:
        raise ValueError("run file has no run row")
    loads = sorted(set(clicks) | set(samples))
    return RunSummary(
        run_id=header.run_id,
        started_at=header.started_at,
        machine=header.machine,
        settings=header.settings,
        end_reason=end.reason if end else None,
        max_load=end.max_load if end else max(loads, default=0),
        interactions=sum(len(step) for step in clicks.values()),
        steps=[
            _step(
                load,
                clicks[load],
                samples[load],
                _sample_before(ordered, samples[load][0] if samples[load] else None),
            )
            for load in loads
        ],
    )


def summary_document(runs: Sequence[RunSummary], generated_at: str) -> dict[str, Any]:
    """The JSON-ready summary of one or several runs."""
    return {
        "format": SUMMARY_FORMAT_VERSION,
        "generated_at": generated_at,
        "runs": [asdict(run) for run in runs],
    }
