"""Prometheus metrics of the command handler, served on /metrics (port 9102 + offset).

Names start with `open_bank_command_handler_`. Latencies are in seconds (Prometheus'
convention); the latency of a command runs from its Kafka timestamp (set by the producer)
to the commit of the Kafka transaction that published its feedback.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter as Tally
from collections.abc import Sequence
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = ["HandlerMetrics"]

_LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS: Final = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


class HandlerMetrics:
    """The handler's metrics in their own registry (tests may create several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "open_bank_command_handler_commands",
            "Commands handled, by kind and outcome (confirmed, failed, replayed, dead_letter).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "open_bank_command_handler_batch_size",
            "Messages per polled batch (one PostgreSQL and one Kafka transaction each).",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "open_bank_command_handler_batch_seconds",
            "Time to decide, store and publish one batch.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.phase_seconds = Histogram(
            "open_bank_command_handler_phase_seconds",
            "Time per batch in each phase: gather (the poll that brought its first command"
            " and the gathering after it), decode, store (PostgreSQL), wait (for the previous"
            " batch's Kafka transaction), publish (Kafka).",
            ["phase"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.command_latency = Histogram(
            "open_bank_command_handler_command_latency_seconds",
            "From a command's Kafka timestamp to the commit of its feedback.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "open_bank_command_handler_consumer_lag",
            "Messages of `commands` not yet handled, per assigned partition.",
            ["partition"],
            registry=self.registry,
        )
        self.linger_seconds = Gauge(
            "open_bank_command_handler_linger_seconds",
            "How long the next batch waits for more commands after its first (adaptive).",
            registry=self.registry,
        )
        self.retries = Counter(
            "open_bank_command_handler_retries",
            "Batches retried because a dependency failed, by dependency.",
            ["dependency"],
            registry=self.registry,
        )

    def serve(self, port: int) -> None:
        """Serve /metrics on 127.0.0.1:`port` from a daemon thread."""
        start_http_server(port, addr="127.0.0.1", registry=self.registry)

    def batch_published(
        self,
        *,
        timestamps_ms: Sequence[int],
        outcomes: Tally[tuple[str, str]],
        dead_letters: int,
        size: int,
        committed_wall_ms: float,
        phases: dict[str, float],
        batch_s: float,
    ) -> None:
        """Account one batch whose Kafka transaction committed at `committed_wall_ms`."""
        for timestamp_ms in timestamps_ms:
            self.command_latency.observe(max(0.0, committed_wall_ms - timestamp_ms) / 1000)
        for (kind, outcome), count in outcomes.items():
            self.commands.labels(kind=kind, outcome=outcome).inc(count)
        if dead_letters:
            self.commands.labels(kind="unknown", outcome="dead_letter").inc(dead_letters)
        self.batch_size.observe(size)
        self.batch_seconds.observe(batch_s)
        for phase, seconds in phases.items():
            self.phase_seconds.labels(phase=phase).observe(seconds)

    def forget_partitions(self, partitions: Sequence[int]) -> None:
        """Drop the lag gauges of partitions this instance no longer owns."""
        for partition in partitions:
            # A partition librdkafka's statistics never reported has no gauge to drop.
            with contextlib.suppress(KeyError):
                self.consumer_lag.remove(str(partition))

    def record_statistics(self, stats_json: str) -> None:
        """Update the lag gauges from librdkafka's statistics (its `stats_cb` JSON)."""
        stats = json.loads(stats_json)
        for topic in stats.get("topics", {}).values():
            for partition, data in topic.get("partitions", {}).items():
                lag = data.get("consumer_lag", -1)
                if partition != "-1" and lag >= 0:
                    self.consumer_lag.labels(partition=partition).set(lag)
