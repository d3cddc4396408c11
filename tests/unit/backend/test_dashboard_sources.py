"""The dashboard's pure readers: the text exposition, and the stack's pid files."""

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from backend.dashboard.exposition import counter_total, histogram
from backend.dashboard.processes import component_pids, component_usage


def _exposition() -> str:
    registry = CollectorRegistry()
    commands = Counter("handled", "", ["kind", "outcome"], registry=registry)
    commands.labels("transfer", "confirmed").inc(7)
    commands.labels("transfer", "failed").inc(2)
    commands.labels("account", "confirmed").inc(1)
    latency = Histogram("latency_seconds", "", ["kind"], buckets=(0.01, 0.1), registry=registry)
    for kind, seconds in [("a", 0.005), ("a", 0.05), ("b", 0.05), ("b", 3.0)]:
        latency.labels(kind).observe(seconds)
    return generate_latest(registry).decode()


def test_a_counter_is_the_sum_of_its_series() -> None:
    assert counter_total(_exposition(), "handled") == 10
    assert counter_total(_exposition(), "absent") is None


def test_a_histogram_adds_its_series_bucket_by_bucket() -> None:
    found = histogram(_exposition(), "latency_seconds")
    assert found is not None
    assert found.bounds == (0.01, 0.1)
    assert found.counts == (1.0, 3.0, 4.0)  # ≤ 10 ms, ≤ 100 ms, all (+Inf)
    assert histogram(_exposition(), "handled") is None  # a counter is no histogram


def test_a_histogram_without_its_inf_bucket_is_refused() -> None:
    text = (
        "# TYPE broken_seconds histogram\n"
        'broken_seconds_bucket{le="0.1"} 1.0\n'
        "broken_seconds_count 1.0\nbroken_seconds_sum 0.05\n"
    )
    with pytest.raises(ValueError, match=r"broken_seconds has no \+Inf bucket"):
        histogram(text, "broken_seconds")


def test_no_supervisord_means_no_components(tmp_path: Path) -> None:
    assert component_pids(tmp_path / "supervisor.sock") == {}
    assert component_usage(tmp_path / "supervisor.sock") == {}
