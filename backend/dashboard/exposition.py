"""Reading the figures the dashboard needs out of a Prometheus text exposition (pure)."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from backend.dashboard.sample import Histogram

__all__ = ["counter_total", "histogram"]


def counter_total(text: str, name: str) -> float | None:
    """The sum of every labelled series of counter ``name`` (without ``_total``), or None
    when the exposition has no such counter."""
    for family in text_string_to_metric_families(text):
        if family.name == name and family.type == "counter":
            return sum(s.value for s in family.samples if s.name == f"{name}_total")
    return None


def histogram(text: str, name: str) -> Histogram | None:
    """Histogram ``name`` with its labelled series added up bucket by bucket (they share
    their bounds), or None when absent."""
    for family in text_string_to_metric_families(text):
        if family.name != name or family.type != "histogram":
            continue
        by_bound: dict[float, float] = {}
        for sample in family.samples:
            if sample.name == f"{name}_bucket":
                bound = float(sample.labels["le"])
                by_bound[bound] = by_bound.get(bound, 0.0) + sample.value
        if math.inf not in by_bound:
            raise ValueError(f"histogram {name} has no +Inf bucket")
        bounds = sorted(b for b in by_bound if b != math.inf)
        return Histogram(tuple(bounds), (*(by_bound[b] for b in bounds), by_bound[math.inf]))
    return None
