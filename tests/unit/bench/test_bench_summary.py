"""Grouping a run into load steps, and the tables drawn from it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bench.rows import ComponentUsage, ResourceRow, RunRow
from bench.summary import summarise_run, summary_document
from bench.synthetic import synthetic_run
from bench.table import (
    comparison_table,
    components_table,
    lag_table,
    latency_table,
    profile_table,
)


def test_steps_are_grouped_by_load_in_order() -> None:
    run = summarise_run(synthetic_run(steps=3, per_step=6))
    assert [step.load for step in run.steps] == [0, 10, 20]
    assert run.interactions == 18
    assert run.max_load == 20
    assert run.end_reason == "max_load"
    first = run.steps[0]
    assert first.latency.n == 6
    assert first.latency.mean_ms == pytest.approx(12.5)
    assert first.polled.mean_ms == pytest.approx(37.5)
    assert run.steps[-1].latency.timeouts == 1


def test_component_usage_is_averaged_per_step() -> None:
    run = summarise_run(synthetic_run())
    assert run.steps[2].components["kafka"].cpu_percent == 7.0
    assert run.steps[2].components["command-handler"].rss_mib == 42.0


def test_a_file_without_its_run_row_is_refused() -> None:
    rows = [row for row in synthetic_run() if not isinstance(row, RunRow)]
    with pytest.raises(ValueError, match="no run row"):
        summarise_run(rows)


def test_summary_document_is_plain_json() -> None:
    run = summarise_run(synthetic_run())
    document = json.loads(json.dumps(summary_document([run], "2026-01-01T00:00:00+00:00")))
    step = document["runs"][0]["steps"][1]
    assert step["load"] == 10
    assert step["latency"]["p99_ms"] == pytest.approx(24.95)
    assert step["components"]["kafka"] == {
        "cpu_percent": 6.0,
        "rss_mib": 400.0,
        "processes": 1,
        "started_at": None,
    }


def test_latency_table_has_a_line_per_step() -> None:
    table = latency_table(summarise_run(synthetic_run()))
    lines = table.splitlines()
    assert len(lines) == 2 + 3
    assert lines[2].startswith("| 0 | 6 | 0 | 12 |")
    assert lines[4].startswith("| 20 | 6 | 1 |")


def test_components_table_names_every_component() -> None:
    table = components_table(summarise_run(synthetic_run()))
    assert table.splitlines()[0] == "| load (msg/s) | command-handler | kafka |"
    assert "| 10 | 2% / 41 | 6% / 400 |" in table


def test_largest_lag_per_group_and_step() -> None:
    run = summarise_run(synthetic_run())
    assert [step.lags for step in run.steps] == [
        {"command-handler": 0},
        {"command-handler": 5},
        {"command-handler": 10},
    ]
    table = lag_table(run)
    assert table.splitlines()[0] == "| load (msg/s) | command-handler |"
    assert "| 20 | 10 |" in table


def test_the_baseline_sample_measures_no_step() -> None:
    run = summarise_run(synthetic_run())
    # One sample per step: the baseline (n = -1) only serves as the first step's "before".
    assert run.steps[0].load_average_1m == 1.0
    assert run.steps[0].components["kafka"].cpu_percent == 5.0


def test_services_profile_per_step_from_the_counters() -> None:
    run = summarise_run(synthetic_run())
    for step in run.steps:
        assert step.services is not None
        assert step.services["heartbeat_delivered_per_s"] == pytest.approx(10.0)
        assert step.services["handler_batch_size"] == pytest.approx(2.0)
        assert step.services["handler_publish_ms"] == pytest.approx(15.0)
    table = profile_table(run)
    assert table.splitlines()[0].startswith("| load (msg/s) | load avg | stack CPU | machine CPU |")
    # Stack CPU sums the stack's components (kafka 5 % + handler 2 %).
    assert table.splitlines()[2].startswith("| 0 | 1.0 | 7% | - | 10 | - | 10 | 2.0 | 20.0 |")


def test_a_run_without_counters_has_no_profile_table() -> None:
    rows = [
        replace(row, metrics={}) if isinstance(row, ResourceRow) else row for row in synthetic_run()
    ]
    run = summarise_run(rows)
    assert all(step.services is None for step in run.steps)
    assert profile_table(run) == ""


def test_a_restarted_component_is_named_in_its_step() -> None:
    rows = []
    for row in synthetic_run():
        if isinstance(row, ResourceRow):
            started = 100.0 if row.load < 10 else 200.0  # a new backend from step 10 on
            components = {
                **row.components,
                "backend": ComponentUsage(cpu_percent=1.0, rss_mib=1.0, started_at=started),
            }
            row = replace(row, components=components)
        rows.append(row)
    run = summarise_run(rows)
    assert [step.restarted for step in run.steps] == [(), ("backend",), ()]
    assert latency_table(run).splitlines()[3].endswith("| backend |")


def test_comparison_puts_runs_side_by_side() -> None:
    short = summarise_run(synthetic_run(steps=2))
    long = summarise_run(synthetic_run(steps=3))
    table = comparison_table([short, long])
    lines = table.splitlines()
    assert lines[0].count("test-run p99") == 2
    assert len(lines) == 2 + 3
    assert lines[2].startswith("| 0 | 6 | 12 | 15 | 15 | 0 | 1.0 | 6 | 12 |")
    # A step only the longer run reached: the other's cells are empty.
    assert lines[4].startswith("| 20 | - | - | - | - | - | - | 6 |")
