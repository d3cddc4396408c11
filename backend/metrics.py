"""Prometheus metrics of one backend app (own registry, so tests can build many apps)."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest

__all__ = ["BackendMetrics"]

# Seconds; fine steps below 25 ms (an idle answer), coarse above (answers under load).
_LATENCY_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1, 5)


class BackendMetrics:
    """Latency histograms and gauges read from the live objects at scrape time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._latency = Histogram(
            "backend_result_latency_seconds",
            "From publishing a command to the handler's answer arriving, in seconds.",
            ["kind"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

        self._service = Histogram(
            "backend_transfer_seconds",
            "A transfer inside the backend: from validated arguments to the answer, seconds.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._stages = Histogram(
            "backend_transfer_stage_seconds",
            "Where an answered transfer's time went (see backend.feedback.FeedbackRouter): "
            "publish (produce to broker ack), handler, kafka_back, handoff; seconds.",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def stage_observer(self) -> Callable[[str, float], None]:
        """A callback recording (stage, seconds) of an answered transfer (latency breakdown)."""

        def observe(stage: str, seconds: float) -> None:
            self._stages.labels(stage).observe(seconds)

        return observe

    def transfer_observer(self) -> Callable[[float], None]:
        """A callback recording one transfer's duration inside the backend (seconds)."""
        return self._service.observe

    def latency_observer(self, kind: str) -> Callable[[float], None]:
        """A callback recording one answer latency (seconds) of ``kind``."""
        return self._latency.labels(kind).observe

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """Expose ``read()`` as gauge ``name``, evaluated at each scrape."""
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
