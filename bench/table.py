"""The report's Markdown table: one line per load step of a run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.resources import BROWSER, HARNESS, MACHINE
from bench.summary import RunSummary, StepSummary

__all__ = ["comparison_table", "components_table", "lag_table", "latency_table", "profile_table"]


_MISSING = "-"


def _ms(value: float | None) -> str:
    return _MISSING if value is None else f"{value:.0f}"


def latency_table(run: RunSummary) -> str:
    """Latency per load step (ms): MutationObserver-precise, the 50 ms polled mean/p99, and
    the command's answer alone (mean/p99)."""
    lines = [
        "| load (msg/s) | n | time-outs | mean | p50 | p99 | max | polled mean | polled p99"
        " | answer mean | answer p99 | on screen p99 | load avg | restarted |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step in run.steps:
        lat, polled, answer = step.latency, step.polled, step.answered
        painted = step.painted.p99_ms if step.painted else None
        load_average = _MISSING if step.load_average_1m is None else f"{step.load_average_1m:.1f}"
        lines.append(
            f"| {step.load} | {lat.n} | {lat.timeouts} | {_ms(lat.mean_ms)} | {_ms(lat.p50_ms)}"
            f" | {_ms(lat.p99_ms)} | {_ms(lat.max_ms)} | {_ms(polled.mean_ms)}"
            f" | {_ms(polled.p99_ms)} | {_ms(answer.mean_ms)} | {_ms(answer.p99_ms)}"
            f" | {_ms(painted)} | {load_average} | {', '.join(step.restarted) or _MISSING} |"
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


_NOT_THE_STACK = frozenset({MACHINE, BROWSER, HARNESS})

_PROFILE_COLUMNS = (
    ("heartbeat/s", "heartbeat_delivered_per_s", "{:.0f}"),
    ("generator cmd/s", "generator_commands_per_s", "{:.0f}"),
    ("handler cmd/s", "handler_commands_per_s", "{:.0f}"),
    ("batch size", "handler_batch_size", "{:.1f}"),
    ("batch ms", "handler_batch_ms", "{:.1f}"),
    ("store ms", "handler_store_ms", "{:.1f}"),
    ("publish ms", "handler_publish_ms", "{:.1f}"),
    ("handler cmd ms", "handler_command_ms", "{:.0f}"),
    ("backend transfer ms", "backend_transfer_ms", "{:.0f}"),
    ("projected/s", "backend_projected_per_s", "{:.0f}"),
)


def _cpu_cells(step: StepSummary) -> tuple[str, str]:
    machine = step.components.get(MACHINE)
    stack = [
        usage.cpu_percent for name, usage in step.components.items() if name not in _NOT_THE_STACK
    ]
    return (
        f"{sum(stack):.0f}%" if stack else _MISSING,
        _MISSING if machine is None else f"{machine.cpu_percent:.0f}%",
    )


def profile_table(run: RunSummary) -> str:
    """Where the time goes per load step: the stack's CPU beside the machine's, and the
    services' own figures (rates in messages/s; the handler's times are means per batch,
    ``handler cmd ms`` per command from its Kafka timestamp to its feedback's commit).
    Empty when the run sampled no service counters (runs before this column existed)."""
    if not any(step.services for step in run.steps):
        return ""
    header = ["load (msg/s)", "load avg", "stack CPU", "machine CPU"]
    header += [title for title, _, _ in _PROFILE_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for step in run.steps:
        services = step.services or {}
        cells = [
            str(step.load),
            _MISSING if step.load_average_1m is None else f"{step.load_average_1m:.1f}",
            *_cpu_cells(step),
        ]
        for _, name, form in _PROFILE_COLUMNS:
            value = services.get(name)
            cells.append(_MISSING if value is None else form.format(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_table(runs: Sequence[RunSummary]) -> str:
    """Several runs side by side per load step: n, p50, p99, max (ms) and time-outs of each,
    with the step's load average (a before/after comparison on the same schedule)."""
    loads = sorted({step.load for run in runs for step in run.steps})
    header = ["load (msg/s)"]
    for run in runs:
        header += [
            f"{run.run_id} {column}" for column in ("n", "p50", "p99", "max", "t/o", "load avg")
        ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for load in loads:
        cells = [str(load)]
        for run in runs:
            step = next((step for step in run.steps if step.load == load), None)
            if step is None:
                cells += [_MISSING] * 6
                continue
            lat = step.latency
            load_average = (
                _MISSING if step.load_average_1m is None else f"{step.load_average_1m:.1f}"
            )
            cells += [
                str(lat.n), _ms(lat.p50_ms), _ms(lat.p99_ms), _ms(lat.max_ms), str(lat.timeouts),
                load_average,
            ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
