"""PNG charts of one or several runs against background load (matplotlib, no display)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

# Figure objects, not pyplot: no global state and no display backend needed (CI, servers).
from matplotlib.figure import Figure

from bench.summary import RunSummary, StepSummary

__all__ = ["CHART_NAMES", "write_charts"]

CHART_NAMES = ("latency", "polled", "cpu", "memory", "lag", "throughput", "handler")
"""The charts written, as ``<prefix><name>.png``."""

_StepValue = Callable[[StepSummary], float | None]


def _plot(
    path: Path,
    runs: Sequence[RunSummary],
    title: str,
    y_label: str,
    series: dict[str, _StepValue],
) -> None:
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.add_subplot()
    for run in runs:
        prefix = f"{run.run_id} " if len(runs) > 1 else ""
        for label, value in series.items():
            points = [(step.load, value(step)) for step in run.steps]
            xs = [load for load, y in points if y is not None]
            ys = [y for _, y in points if y is not None]
            if xs:
                axes.plot(xs, ys, marker="o", markersize=3, label=f"{prefix}{label}")
    axes.set_title(title)
    axes.set_xlabel("background load (messages/s)")
    axes.set_ylabel(y_label)
    axes.grid(visible=True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize="small", ncols=2)
    figure.tight_layout()
    figure.savefig(path)


def _component_series(
    runs: Sequence[RunSummary], metric: Callable[[float, float], float]
) -> dict[str, _StepValue]:
    names = sorted({name for run in runs for step in run.steps for name in step.components})

    def value_of(name: str) -> _StepValue:
        def value(step: StepSummary) -> float | None:
            usage = step.components.get(name)
            return None if usage is None else metric(usage.cpu_percent, usage.rss_mib)

        return value

    return {name: value_of(name) for name in names}


def write_charts(runs: Sequence[RunSummary], directory: Path, prefix: str) -> list[Path]:
    """Write the charts of CHART_NAMES into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{prefix}{name}.png" for name in CHART_NAMES}
    _plot(
        paths["latency"],
        runs,
        "Click to amount shown (MutationObserver)",
        "latency (ms)",
        {
            "mean": lambda step: step.latency.mean_ms,
            "p99": lambda step: step.latency.p99_ms,
            "max": lambda step: step.latency.max_ms,
        },
    )
    _plot(
        paths["polled"],
        runs,
        "Precise versus 50 ms polling (the original's method)",
        "latency (ms)",
        {
            "observer mean": lambda step: step.latency.mean_ms,
            "polled mean": lambda step: step.polled.mean_ms,
            "observer p99": lambda step: step.latency.p99_ms,
            "polled p99": lambda step: step.polled.p99_ms,
        },
    )
    _plot(
        paths["cpu"],
        runs,
        "CPU per component",
        "CPU (% of one core)",
        _component_series(runs, lambda cpu, _rss: cpu),
    )
    _plot(
        paths["memory"],
        runs,
        "Memory per component",
        "RSS (MiB)",
        _component_series(runs, lambda _cpu, rss: rss),
    )
    groups = sorted({group for run in runs for step in run.steps for group in step.lags})
    _plot(
        paths["lag"],
        runs,
        "Largest consumer lag per service",
        "lag (messages)",
        {group: _lag_of(group) for group in groups},
    )
    _plot(
        paths["throughput"],
        runs,
        "Messages per second each stage passed on",
        "messages/s",
        {
            "heartbeat (delivered)": _service("heartbeat_delivered_per_s"),
            "generator (commands)": _service("generator_commands_per_s"),
            "handler (commands)": _service("handler_commands_per_s"),
            "backend (rows projected)": _service("backend_projected_per_s"),
        },
    )
    _plot(
        paths["handler"],
        runs,
        "Command handler: mean time per batch, and per command",
        "ms",
        {
            "batch": _service("handler_batch_ms"),
            "store (PostgreSQL)": _service("handler_store_ms"),
            "publish (Kafka transaction)": _service("handler_publish_ms"),
            "command (Kafka timestamp to feedback commit)": _service("handler_command_ms"),
        },
    )
    return list(paths.values())


def _service(name: str) -> _StepValue:
    def value(step: StepSummary) -> float | None:
        return None if step.services is None else step.services.get(name)

    return value


def _lag_of(group: str) -> _StepValue:
    def value(step: StepSummary) -> float | None:
        lag = step.lags.get(group)
        return None if lag is None else float(lag)

    return value
