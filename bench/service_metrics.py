"""The services' own metrics, sampled with the resources: where the time goes inside them.

CPU% says which process is busy; the services' Prometheus counters say what it is busy
with (the handler's commands per second, batch sizes and time per phase, the backend's
time per transfer, the generator's beats per second). Each sample keeps only cumulative
values (``*_total``, ``*_sum``, ``*_count``) and gauges, not histogram buckets, so a row
stays small; the report turns two consecutive samples into rates and means.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

from stack.ports import Ports

__all__ = ["ServiceMetrics", "metric_key", "parse_metrics", "service_endpoints"]

log = logging.getLogger(__name__)

_TIMEOUT_S = 2.0
_DROPPED_SUFFIXES = ("_bucket", "_created")
# Interpreter and process metrics: psutil already samples the process; these only add bulk.
_DROPPED_PREFIXES = ("python_", "process_")


def metric_key(name: str, labels: Mapping[str, str]) -> str:
    """``name{a="1",b="2"}`` (labels sorted), or just ``name`` without labels."""
    if not labels:
        return name
    inner = ",".join(f'{key}="{labels[key]}"' for key in sorted(labels))
    return f"{name}{{{inner}}}"


def parse_metrics(text: str) -> dict[str, float]:
    """The cumulative values and gauges of a Prometheus text exposition, by metric key."""
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith(_DROPPED_SUFFIXES) or sample.name.startswith(_DROPPED_PREFIXES):
                continue
            values[metric_key(sample.name, sample.labels)] = float(sample.value)
    return values


def service_endpoints(ports: Ports) -> dict[str, str]:
    """Each service's metrics URL on the stack with these ports (names as in the stack)."""
    return {
        "command-handler": f"http://127.0.0.1:{ports.command_handler_metrics}/metrics",
        "backend": f"http://127.0.0.1:{ports.backend}/metrics",
        "command-generator": f"http://127.0.0.1:{ports.command_generator_metrics}/metrics",
    }


class ServiceMetrics:
    """Scrapes every service's ``/metrics``; a service that does not answer is left out."""

    def __init__(self, endpoints: Mapping[str, str]) -> None:
        self._endpoints = dict(endpoints)
        self._http = httpx.Client(timeout=_TIMEOUT_S)

    def close(self) -> None:
        self._http.close()

    def sample(self) -> dict[str, dict[str, float]]:
        """``{service: {metric key: value}}`` for the services that answered."""
        found: dict[str, dict[str, float]] = {}
        for service, url in self._endpoints.items():
            try:
                response = self._http.get(url)
                response.raise_for_status()
                found[service] = parse_metrics(response.text)
            except (httpx.HTTPError, ValueError) as error:
                # A restarting service must not end the run; its gap shows in the report.
                log.warning("metrics of %s unreadable: %s", service, error)
        return found
