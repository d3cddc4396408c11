"""`command_handler.exposition` writes what prometheus_client writes for the same calls
(prometheus_client is the reference here: its parser reads both texts), and serves it."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import prometheus_client
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from command_handler import exposition

_BUCKETS = (0.001, 0.01, 0.1, 1, 10)
_Samples = set[tuple[str, tuple[tuple[str, str], ...], float]]


def _samples(text: str) -> _Samples:
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")  # prometheus_client's creation times
    }


def _both() -> tuple[exposition.MetricsRegistry, prometheus_client.CollectorRegistry]:
    return exposition.MetricsRegistry(), prometheus_client.CollectorRegistry()


labels = st.sampled_from(["a", "b", 'quote " and \\ back\nslash'])
observations = st.lists(
    st.tuples(labels, st.floats(min_value=0, max_value=100, allow_nan=False)), max_size=30
)


@given(observations)
def test_counters_gauges_and_histograms_read_as_prometheus_clients(
    observed: list[tuple[str, float]],
) -> None:
    ours, reference = _both()
    families: list[tuple[Any, Any, Any, Any]] = [
        (
            exposition.Counter("c", "help", ["kind"], registry=ours),
            exposition.Gauge("g", "help", ["p"], registry=ours),
            exposition.Histogram("h", "help", ["phase"], buckets=_BUCKETS, registry=ours),
            exposition.Histogram("u", "help", buckets=_BUCKETS, registry=ours),
        ),
        (
            prometheus_client.Counter("c", "help", ["kind"], registry=reference),
            prometheus_client.Gauge("g", "help", ["p"], registry=reference),
            prometheus_client.Histogram(
                "h", "help", ["phase"], buckets=_BUCKETS, registry=reference
            ),
            prometheus_client.Histogram("u", "help", buckets=_BUCKETS, registry=reference),
        ),
    ]
    for counter, gauge, histogram, unlabelled in families:
        for label, value in observed:
            counter.labels(kind=label).inc(value)
            gauge.labels(p=label).set(value)
            histogram.labels(phase=label).observe(value)
            unlabelled.observe(value)
        gauge.labels(p="gone").set(1)
        gauge.remove("gone")
    assert _samples(ours.render()) == _samples(
        prometheus_client.generate_latest(reference).decode()
    )


def test_a_value_on_a_bucket_bound_counts_in_that_bucket() -> None:
    registry = exposition.MetricsRegistry()
    histogram = exposition.Histogram("h", "help", buckets=_BUCKETS, registry=registry)
    histogram.observe(0.01)
    assert registry.get_sample_value("h_bucket", {"le": "0.001"}) == 0
    assert registry.get_sample_value("h_bucket", {"le": "0.01"}) == 1
    assert registry.get_sample_value("h_count") == 1
    assert registry.get_sample_value("h_sum") == 0.01


def test_counters_refuse_to_go_down() -> None:
    counter = exposition.Counter("c", "help", registry=exposition.MetricsRegistry())
    with pytest.raises(ValueError, match="only goes up"):
        counter.inc(-1)


def test_served_over_http_get_and_head_and_nothing_else() -> None:
    registry = exposition.MetricsRegistry()
    exposition.Counter("served", "help", ["kind"], registry=registry).labels(kind="x").inc(3)
    port = exposition.serve_metrics(registry, 0)
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert ("served_total", (("kind", "x"),), 3.0) in _samples(response.text)
    head = httpx.head(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert head.status_code == 200
    assert head.content == b""
    assert httpx.post(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 405
    # A client that connects and says nothing does not stop the server answering others.
    with socket.create_connection(("127.0.0.1", port)):
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
