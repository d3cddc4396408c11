"""Rates and means between two samples of the services' counters (pure): the profile.

Each figure answers "what was this service doing during the step": how many messages per
second each stage passed on (heartbeat → generator → handler → backend projector), how big
the handler's batches were and how its time per batch split between decoding, PostgreSQL
and Kafka, and how long a transfer took inside the backend. A figure is None when a
service did not answer or restarted (a counter went down) between the two samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

__all__ = ["RATE_NAMES", "Counters", "service_rates"]

Counters = Mapping[str, Mapping[str, float]]
"""``{service: {metric key: cumulative value}}`` as ResourceRow.metrics holds it."""

_HANDLER: Final = "open_bank_command_handler_"


def _total(service: Mapping[str, float], prefix: str) -> float | None:
    """Sum of every labelled series of one counter (``name{...}``), None if absent."""
    found = [
        value for key, value in service.items() if key == prefix or key.startswith(prefix + "{")
    ]
    return sum(found) if found else None


def _delta(before: Counters, after: Counters, service: str, key: str) -> float | None:
    old = _total(before.get(service, {}), key)
    new = _total(after.get(service, {}), key)
    if old is None or new is None or new < old:
        return None
    return new - old


def _per_second(service: str, key: str) -> Callable[[Counters, Counters, float], float | None]:
    def rate(before: Counters, after: Counters, seconds: float) -> float | None:
        delta = _delta(before, after, service, key)
        return None if delta is None else delta / seconds

    return rate


def _mean(
    service: str, histogram: str, scale: float = 1.0, labels: str = ""
) -> Callable[[Counters, Counters, float], float | None]:
    """Mean of a histogram's observations between the samples (Δsum / Δcount) times scale.

    ``labels`` (``{phase="store"}``) picks one series; without it all series count.
    """

    def mean(before: Counters, after: Counters, seconds: float) -> float | None:
        total = _delta(before, after, service, f"{histogram}_sum{labels}")
        count = _delta(before, after, service, f"{histogram}_count{labels}")
        if total is None or not count:
            return None
        return scale * total / count

    return mean


def _phase_ms(phase: str) -> Callable[[Counters, Counters, float], float | None]:
    return _mean("command-handler", f"{_HANDLER}phase_seconds", 1000.0, f'{{phase="{phase}"}}')


_RATES: Final[dict[str, Callable[[Counters, Counters, float], float | None]]] = {
    "heartbeat_delivered_per_s": _per_second("heartbeat", "delivered"),
    "generator_commands_per_s": _per_second("command-generator", "generator_commands_total"),
    "handler_commands_per_s": _per_second("command-handler", f"{_HANDLER}commands_total"),
    "handler_batch_size": _mean("command-handler", f"{_HANDLER}batch_size"),
    "handler_batch_ms": _mean("command-handler", f"{_HANDLER}batch_seconds", 1000.0),
    "handler_decode_ms": _phase_ms("decode"),
    "handler_store_ms": _phase_ms("store"),
    "handler_publish_ms": _phase_ms("publish"),
    "handler_command_ms": _mean("command-handler", f"{_HANDLER}command_latency_seconds", 1000.0),
    "backend_transfer_ms": _mean("backend", "backend_transfer_seconds", 1000.0),
    "backend_projected_per_s": _per_second("backend", "backend_projected_rows"),
}

RATE_NAMES: Final = tuple(_RATES)
"""The figures ``service_rates`` returns, in the report's column order.

Units are in the names: ``_per_s`` messages per second, ``_ms`` milliseconds (mean per
batch for the handler's phases, per command for ``handler_command_ms``: Kafka timestamp of
the command to the commit of its feedback), ``handler_batch_size`` commands per batch.
"""


def service_rates(before: Counters, after: Counters, seconds: float) -> dict[str, float | None]:
    """Every figure of RATE_NAMES between two samples ``seconds`` apart."""
    if seconds <= 0:
        raise ValueError(f"samples must be apart in time, got {seconds} s")
    return {name: rate(before, after, seconds) for name, rate in _RATES.items()}
