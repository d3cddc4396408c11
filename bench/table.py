"""The report's Markdown table: one line per load step of a run."""

from __future__ import annotations

from collections.abc import Iterable

from bench.summary import RunSummary, StepSummary

__all__ = ["components_table", "lag_table", "latency_table"]


_MISSING = "-"


def _ms(value: float | None) -> str:
    return _MISSING if value is None else f"{value:.0f}"


def latency_table(run: RunSummary) -> str:
    """Latency per load step (ms): MutationObserver-precise, the 50 ms polled mean/p99, and
    the command's answer alone (mean/p99)."""
    lines = [
        "| load (msg/s) | n | time-outs | mean | p50 | p99 | max | polled mean | polled p99"
        " | answer mean | answer p99 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for step in run.steps:
        lat, polled, answer = step.latency, step.polled, step.answered
        lines.append(
            f"| {step.load} | {lat.n} | {lat.timeouts} | {_ms(lat.mean_ms)} | {_ms(lat.p50_ms)}"
            f" | {_ms(lat.p99_ms)} | {_ms(lat.max_ms)} | {_ms(polled.mean_ms)}"
            f" | {_ms(polled.p99_ms)} | {_ms(answer.mean_ms)} | {_ms(answer.p99_ms)} |"
        )
    return "\n".join(lines)


def _component_names(steps: Iterable[StepSummary]) -> list[str]:
    return sorted({name for step in steps for name in step.components})


def components_table(run: RunSummary) -> str:
    """Mean CPU (% of one core) / RSS (MiB) per component and load step."""
    names = _component_names(run.steps)
    lines = [
        "| load (msg/s) | " + " | ".join(names) + " |",
        "|---:|" + "---:|" * len(names),
    ]
    for step in run.steps:
        cells = []
        for name in names:
            usage = step.components.get(name)
            text = f"{usage.cpu_percent:.0f}% / {usage.rss_mib:.0f}" if usage else _MISSING
            cells.append(text)
        lines.append(f"| {step.load} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def lag_table(run: RunSummary) -> str:
    """Largest consumer-group lag (messages) per load step; empty when none was sampled."""
    groups = sorted({group for step in run.steps for group in step.lags})
    if not groups:
        return ""
    lines = [
        "| load (msg/s) | " + " | ".join(groups) + " |",
        "|---:|" + "---:|" * len(groups),
    ]
    for step in run.steps:
        cells = [str(step.lags[group]) if group in step.lags else _MISSING for group in groups]
        lines.append(f"| {step.load} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
