"""``/healthz``: can this instance reach Kafka, the registry and its database?

Each probe is bounded in time and runs without blocking the loop; the answer
is 200 ``ok`` when all pass, otherwise 503 ``degraded`` naming the dependencies
that are down, with one line per dependency. The process itself keeps serving:
what does not need the missing dependency still works.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["HealthProbe", "health_report", "run_probes"]

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


def health_report(checks: dict[str, str]) -> tuple[int, dict[str, object]]:
    """The HTTP status and body of ``/healthz`` for the probes' results."""
    down = [name for name, result in checks.items() if result != "ok"]
    if not down:
        return 200, {"status": "ok", "checks": checks}
    return 503, {"status": "degraded", "down": down, "checks": checks}
