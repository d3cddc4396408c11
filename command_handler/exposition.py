"""Counters, gauges and histograms in Prometheus' text format, served over plain HTTP.

Why not `prometheus_client`: the handler uses four of its calls, and importing it costs
~2 MiB of resident memory, and its `exposition` module imports Python's `ssl` (another ~5
MiB of libssl and libcrypto pages and objects) for an HTTPS server we never run. This module
keeps the same calls the loop makes (`labels(...).inc()`, `observe`, `set`, `remove`) and
writes the same text (`# HELP`, `# TYPE`, `_total`, `_bucket{le=…}`, `_sum`, `_count`), so
every scraper and parser of the handler's metrics reads it unchanged.

Thread-safe: the loop thread, librdkafka's statistics callback and the HTTP thread share
the metrics; each family guards its samples with one lock.
"""

from __future__ import annotations

import bisect
import math
import socketserver
import threading
from collections.abc import Iterator, Sequence
from typing import Final

__all__ = ["Counter", "Gauge", "Histogram", "MetricsRegistry", "serve_metrics"]

# (sample name, label names, label values, value)
_Sample = tuple[str, tuple[str, ...], tuple[str, ...], float]

_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
_MAX_REQUEST_LINES: Final = 100


def _number(value: float) -> str:
    """Go's float formatting, as Prometheus writes it: `+Inf`, `1.0`, `0.25`."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    pairs = ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))
    return "{" + pairs + "}"


class _Family:
    """One metric name, with a child per combination of label values."""

    kind = ""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        *,
        registry: MetricsRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._lock = threading.Lock()
        self._children: dict[tuple[str, ...], list[float]] = {}
        if not self.labelnames:  # shown from the start, as prometheus_client does
            self._children[()] = self._new()
        registry.register(self)

    def _values(self, labels: dict[str, str]) -> list[float]:
        key = tuple(str(labels[n]) for n in self.labelnames)
        with self._lock:
            values = self._children.get(key)
            if values is None:
                values = self._children[key] = self._new()
            return values

    def _new(self) -> list[float]:
        return [0.0]

    def remove(self, *labelvalues: str) -> None:
        """Forget the child with these label values (e.g. a partition no longer assigned)."""
        with self._lock:
            self._children.pop(tuple(str(v) for v in labelvalues), None)

    def samples(self) -> Iterator[_Sample]:
        """(sample name, label names, label values, value) of every child."""
        with self._lock:
            children = [(key, list(values)) for key, values in self._children.items()]
        for key, values in children:
            yield from self._child_samples(key, values)

    def _child_samples(self, key: tuple[str, ...], values: list[float]) -> Iterator[_Sample]:
        yield self.name, self.labelnames, key, values[0]


class _CounterChild:
    def __init__(self, family: Counter, values: list[float]) -> None:
        self._family, self._values = family, values

    def inc(self, amount: float = 1) -> None:
        """Add `amount` (>= 0)."""
        if amount < 0:
            raise ValueError("a counter only goes up")
        with self._family._lock:
            self._values[0] += amount


class Counter(_Family):
    """A value that only goes up; exposed as `<name>_total`."""

    kind = "counter"

    def labels(self, **labels: str) -> _CounterChild:
        return _CounterChild(self, self._values(labels))

    def inc(self, amount: float = 1) -> None:
        self.labels().inc(amount)

    def _child_samples(self, key: tuple[str, ...], values: list[float]) -> Iterator[_Sample]:
        yield f"{self.name}_total", self.labelnames, key, values[0]


class _GaugeChild:
    def __init__(self, family: Gauge, values: list[float]) -> None:
        self._family, self._values = family, values

    def set(self, value: float) -> None:
        with self._family._lock:
            self._values[0] = float(value)


class Gauge(_Family):
    """A value that goes up and down."""

    kind = "gauge"

    def labels(self, **labels: str) -> _GaugeChild:
        return _GaugeChild(self, self._values(labels))

    def set(self, value: float) -> None:
        self.labels().set(value)


class _HistogramChild:
    def __init__(self, family: Histogram, values: list[float]) -> None:
        self._family, self._values = family, values

    def observe(self, value: float) -> None:
        # values: one count per bucket (the last is +Inf), then the sum.
        index = bisect.bisect_left(self._family.buckets, value)
        with self._family._lock:
            self._values[index] += 1
            self._values[-1] += value


class Histogram(_Family):
    """Observations counted in cumulative buckets (`le`), with their sum and count."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        *,
        buckets: Sequence[float],
        registry: MetricsRegistry,
    ) -> None:
        self.buckets = tuple(sorted(float(b) for b in buckets if not math.isinf(b)))
        self._unlabelled: _HistogramChild | None = None
        super().__init__(name, documentation, labelnames, registry=registry)

    def _new(self) -> list[float]:
        return [0.0] * (len(self.buckets) + 2)

    def labels(self, **labels: str) -> _HistogramChild:
        return _HistogramChild(self, self._values(labels))

    def observe(self, value: float) -> None:
        # Called once per command (the latency histogram): no label look-up, no new child.
        if self._unlabelled is None:
            self._unlabelled = self.labels()
        self._unlabelled.observe(value)

    def _child_samples(self, key: tuple[str, ...], values: list[float]) -> Iterator[_Sample]:
        names = (*self.labelnames, "le")
        cumulative = 0.0
        for bound, count in zip((*self.buckets, math.inf), values[:-1], strict=True):
            cumulative += count
            yield f"{self.name}_bucket", names, (*key, _number(bound)), cumulative
        yield f"{self.name}_count", self.labelnames, key, cumulative
        yield f"{self.name}_sum", self.labelnames, key, values[-1]


class MetricsRegistry:
    """The families of one process (tests may create several), rendered together."""

    def __init__(self) -> None:
        self._families: list[_Family] = []

    def register(self, family: _Family) -> None:
        self._families.append(family)

    def render(self) -> str:
        """Every family in Prometheus' text exposition format 0.0.4."""
        lines: list[str] = []
        for family in self._families:
            lines.append(f"# HELP {family.name} {family.documentation}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            lines.extend(
                f"{name}{_labels(names, values)} {_number(value)}"
                for name, names, values, value in family.samples()
            )
        return "\n".join(lines) + "\n"

    def get_sample_value(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        """The value of sample `name` with exactly `labels`, or None (for tests)."""
        wanted = labels or {}
        for family in self._families:
            for sample, names, values, value in family.samples():
                if sample == name and dict(zip(names, values, strict=True)) == wanted:
                    return value
        return None


class _MetricsHandler(socketserver.StreamRequestHandler):
    server: _MetricsServer

    def handle(self) -> None:
        request = self.rfile.readline(65537).decode("latin-1").split()
        for _ in range(_MAX_REQUEST_LINES):  # skip the headers
            if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                break
        if len(request) < 2 or request[0] not in ("GET", "HEAD"):
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        body = self.server.registry.render().encode()
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: {_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.wfile.write(head.encode() + (body if request[0] == "GET" else b""))


class _MetricsServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], registry: MetricsRegistry) -> None:
        self.registry = registry
        super().__init__(address, _MetricsHandler)


def serve_metrics(registry: MetricsRegistry, port: int, host: str = "127.0.0.1") -> int:
    """Serve `registry` on http://`host`:`port`/ (any path) from a daemon thread; returns
    the bound port (useful with port 0)."""
    server = _MetricsServer((host, port), registry)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    bound: int = server.server_address[1]
    return bound
