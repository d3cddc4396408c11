"""The benchmark's short mode against the whole stack: rows come out and the report renders.

Timings are not asserted (they depend on the machine and what else runs); the pipeline is:
browser clicks → JSON Lines rows → tables, PNG charts and summary.json.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from bench.charts import CHART_NAMES
from bench.options import RunOptions
from bench.profiles import PROFILED, hot_frames
from bench.report import ReportPaths, write_report
from bench.rows import EndRow, InteractionRow, ResourceRow, RunRow, read_rows
from bench.runner import run_benchmark
from bench.trace_hops import HOPS
from stack.layout import StackLayout

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STEPS = 3
PER_STEP = 12


@pytest.mark.timeout(360)
def test_short_run_produces_rows_and_a_report(
    ui_url: str, stack_env: dict[str, str], stack_layout: StackLayout, tmp_path: Path
) -> None:
    # Shorter still than `--short` (3 steps of 12): this proves the pipeline, not the numbers.
    options = RunOptions.short(
        base_url=ui_url,
        heartbeat_url=f"http://127.0.0.1:{stack_layout.ports.heartbeat}",
        run_dir=stack_layout.run_dir,
        out_dir=tmp_path,
        step_every=PER_STEP,
        sample_every=6,
        max_load=100 * (STEPS - 1),
        username=f"bench-e2e-{uuid.uuid4().hex[:8]}",
        profile_from=100,
        profile_seconds=5,
    )
    run_file = asyncio.run(run_benchmark(options))

    rows = list(read_rows(run_file))
    assert isinstance(rows[0], RunRow)
    assert rows[0].machine["cpus"] >= 1
    clicks = [row for row in rows if isinstance(row, InteractionRow)]
    baseline, *samples = [row for row in rows if isinstance(row, ResourceRow)]
    assert baseline.n == -1
    end = rows[-1]
    assert isinstance(end, EndRow)
    if end.reason == "timeouts":
        pytest.fail(f"the stack timed out {options.max_timeouts} times: {clicks[-1].error}")
    assert end.reason == "max_load"
    assert len(clicks) == STEPS * PER_STEP
    assert sorted({click.load for click in clicks}) == [0, 100, 200]
    assert {click.kind for click in clicks} == {"deposit", "transfer"}
    assert sum(click.latency_ms is not None for click in clicks) >= len(clicks) - 4
    assert all(
        click.polled_ms >= click.latency_ms
        for click in clicks
        if click.latency_ms is not None and click.polled_ms is not None
    )
    assert len(samples) == len(clicks) // 6
    components = set(samples[-1].components)
    assert {"kafka-1", "postgres", "command-handler", "backend", "browser"} <= components
    assert samples[-1].components["browser"].rss_mib > 0
    assert samples[-1].components["bench"].processes >= 2  # Python and Playwright's driver
    assert samples[-1].load_average_1m is not None
    # The services' own counters come with every sample (the report's profile).
    assert {"command-handler", "backend", "command-generator", "heartbeat"} <= set(
        samples[-1].metrics
    )
    assert (
        samples[-1].metrics["heartbeat"]["delivered"] > baseline.metrics["heartbeat"]["delivered"]
    )
    assert all(
        click.painted_ms >= click.latency_ms
        for click in clicks
        if click.latency_ms is not None and click.painted_ms is not None
    )

    # py-spy profiled the handler and the backend in each loaded step.
    for name in PROFILED:
        for load in (100, 200):
            profile = tmp_path / f"profile-{rows[0].run_id}-{name}-{load}.txt"
            assert hot_frames(profile.read_text()), f"{profile.name} has no samples"

    paths = ReportPaths(
        charts_dir=tmp_path,
        chart_prefix="",
        summary_json=tmp_path / "summary.json",
        markdown=tmp_path / "report.md",
    )
    markdown = write_report([run_file], paths)
    # Every click was traced: one row per hop in the traces' table.
    hop_rows = sum(f"\n| 100 | {hop} | " in markdown for hop in HOPS)
    assert hop_rows == len(HOPS)
    # And in the latency, resources, lag and profile tables.
    assert markdown.count("\n| 100 | ") == 4 + hop_rows
    for name in CHART_NAMES:
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [step["load"] for step in summary["runs"][0]["steps"]] == [0, 100, 200]
