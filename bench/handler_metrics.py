"""The command handler's /metrics as the drain reads them: commands handled, phase seconds.

Parsed with prometheus_client's own parser, so the drain depends on the metric names
only, not on how the handler writes its exposition.
"""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

__all__ = ["handled_commands", "phase_seconds"]

_HANDLED = "open_bank_command_handler_commands_total"
_PHASE_SUM = "open_bank_command_handler_phase_seconds_sum"


def _samples(port: int) -> list[Sample]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def handled_commands(port: int) -> float:
    """Commands the handler on `port` has handled, whatever the outcome; 0 while it starts."""
    try:
        samples = _samples(port)
    except httpx.ConnectError:
        return 0  # not serving yet: still starting
    return sum(s.value for s in samples if s.name == _HANDLED)


def phase_seconds(port: int) -> dict[str, float]:
    """Seconds the handler on `port` spent in each phase of its loop so far."""
    return {s.labels["phase"]: round(s.value, 2) for s in _samples(port) if s.name == _PHASE_SUM}
