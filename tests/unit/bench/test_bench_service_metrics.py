"""Parsing the services' Prometheus text into the cumulative values a sample keeps."""

from __future__ import annotations

from bench.service_metrics import metric_key, parse_metrics, service_endpoints
from stack.ports import Ports

EXPOSITION = """\
# HELP generator_commands_total Commands produced
# TYPE generator_commands_total counter
generator_commands_total{kind="shop"} 76.0
generator_commands_total{kind="salary"} 25.0
generator_commands_created{kind="shop"} 1.7e9
# HELP batch_seconds Time per batch
# TYPE batch_seconds histogram
batch_seconds_bucket{le="0.1",phase="store"} 3.0
batch_seconds_bucket{le="+Inf",phase="store"} 4.0
batch_seconds_count{phase="store"} 4.0
batch_seconds_sum{phase="store"} 0.5
# HELP accounts AUTO accounts
# TYPE accounts gauge
accounts 20.0
# HELP python_gc_objects_collected_total Objects collected
# TYPE python_gc_objects_collected_total counter
python_gc_objects_collected_total{generation="0"} 100.0
"""


def test_keeps_counters_sums_counts_and_gauges_not_buckets() -> None:
    assert parse_metrics(EXPOSITION) == {
        'generator_commands_total{kind="shop"}': 76.0,
        'generator_commands_total{kind="salary"}': 25.0,
        'batch_seconds_count{phase="store"}': 4.0,
        'batch_seconds_sum{phase="store"}': 0.5,
        "accounts": 20.0,
    }


def test_metric_key_sorts_labels() -> None:
    assert metric_key("m", {}) == "m"
    assert metric_key("m", {"b": "2", "a": "1"}) == 'm{a="1",b="2"}'


def test_endpoints_follow_the_port_offset() -> None:
    endpoints = service_endpoints(Ports(1000))
    assert endpoints["command-handler"] == "http://127.0.0.1:10102/metrics"
    assert endpoints["backend"] == "http://127.0.0.1:9000/metrics"
    assert endpoints["command-generator"] == "http://127.0.0.1:10104/metrics"
