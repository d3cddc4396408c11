"""``python -m bench report``: run files → Markdown tables, PNG charts and the UI's JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.charts import write_charts
from bench.hops_table import hops_table
from bench.rows import read_rows
from bench.summary import RunSummary, summarise_run, summary_document
from bench.table import (
    comparison_table,
    components_table,
    lag_table,
    latency_table,
    profile_table,
)

__all__ = ["ReportPaths", "render_markdown", "write_report"]


@dataclass(frozen=True, slots=True)
class ReportPaths:
    """Where the report's outputs go; None leaves that output out."""

    charts_dir: Path | None
    chart_prefix: str
    summary_json: Path | None
    markdown: Path | None


def _machine_line(run: RunSummary) -> str:
    machine = run.machine
    return (
        f"{machine.get('cpus', '?')} CPUs, {machine.get('memory_mib', '?')} MiB,"
        f" {machine.get('platform', '?')}; started {run.started_at}"
    )


def render_markdown(
    runs: Sequence[RunSummary],
    chart_links: Sequence[str] = (),
    hops: Sequence[str | None] = (),
) -> str:
    """The report as Markdown: per run its stop reason, latency and resource tables, and
    (`hops`, one per run) where a click's time goes, from its trace."""
    parts: list[str] = []
    if len(runs) > 1:
        parts += [
            "Click to amount shown (ms), the runs side by side:",
            "",
            comparison_table(runs),
            "",
        ]
    for index, run in enumerate(runs):
        parts += [
            f"### Run {run.run_id}",
            "",
            f"{_machine_line(run)}. {run.interactions} interactions; stopped:"
            f" {run.end_reason or 'unknown (no end row)'}; highest background load asked"
            f" for: {run.max_load} msg/s.",
            "",
            "Latency, click to amount shown (ms):",
            "",
            latency_table(run),
            "",
            "Mean CPU (% of one core) / RSS (MiB) per component:",
            "",
            components_table(run),
            "",
        ]
        hop_lines = hops[index] if index < len(hops) else None
        if hop_lines:
            parts += [
                "Where the time goes, per hop of a click's trace (ms; docs/tracing.md):",
                "",
                hop_lines,
                "",
            ]
        lags = lag_table(run)
        if lags:
            parts += ["Largest consumer lag (messages) per service group:", "", lags, ""]
        profile = profile_table(run)
        if profile:
            parts += [
                "Where the time goes: CPU (% of one core) of the stack's processes and of the"
                " whole machine, and the services' own metrics over each step:",
                "",
                profile,
                "",
            ]
    parts += [f"![{Path(link).stem}]({link})" for link in chart_links]
    return "\n".join(parts).rstrip() + "\n"


def write_report(run_files: Sequence[Path], paths: ReportPaths) -> str:
    """Read the runs, write charts / summary JSON / Markdown as asked; return the Markdown."""
    if not run_files:
        raise ValueError("no run files to report on")
    runs = [summarise_run(read_rows(path)) for path in run_files]
    chart_links: list[str] = []
    if paths.charts_dir is not None:
        charts = write_charts(runs, paths.charts_dir, paths.chart_prefix)
        base = paths.markdown.parent if paths.markdown else Path.cwd()
        chart_links = [_relative(chart, base) for chart in charts]
    if paths.summary_json is not None:
        paths.summary_json.parent.mkdir(parents=True, exist_ok=True)
        generated_at = datetime.now(UTC).isoformat(timespec="seconds")
        document = summary_document(runs, generated_at)
        paths.summary_json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    hops = [hops_table(read_rows(path)) for path in run_files]
    markdown = render_markdown(runs, chart_links, hops)
    if paths.markdown is not None:
        paths.markdown.parent.mkdir(parents=True, exist_ok=True)
        paths.markdown.write_text(markdown, encoding="utf-8")
    return markdown


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
