"""``/healthz``: can this instance reach Kafka, the registry and its database?

Each probe is bounded in time and runs without blocking the loop; the answer
is 200 when all pass, 503 otherwise, with one line per dependency.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["HealthProbe", "run_probes"]

_PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """A named check; it raises (any error) when unhealthy."""

    name: str
    check: Callable[[], Awaitable[None]]


async def _run(probe: HealthProbe) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe.check(), _PROBE_TIMEOUT_S)
    except TimeoutError:
        return probe.name, f"fail: no answer within {_PROBE_TIMEOUT_S:.0f} s"
    except Exception as exc:  # noqa: BLE001 - any failure of a probe is the answer
        return probe.name, f"fail: {type(exc).__name__}: {exc}"
    return probe.name, "ok"


async def run_probes(probes: list[HealthProbe]) -> tuple[bool, dict[str, str]]:
    """Run every probe concurrently; True when all are ok."""
    results = dict(await asyncio.gather(*(_run(probe) for probe in probes)))
    return all(value == "ok" for value in results.values()), results
