"""CPU use of a component between two samples, from cumulative CPU times (pure), and the
share of the machine's CPU time its hypervisor took meanwhile (from `machine_cpu_times`,
the one read of /proc/stat here).

psutil's ``cpu_percent`` needs the same Process object across calls and reports 0 for a
process it sees for the first time; a component's processes come and go (browser
renderers, PostgreSQL backends), so the sampler keeps each process's cumulative CPU
seconds itself and works out the delta here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import psutil

__all__ = ["ProcessTimes", "cpu_percent_between", "machine_cpu_times", "steal_share"]


@dataclass(frozen=True, slots=True)
class ProcessTimes:
    """A process's identity (pid and start time, s since the epoch) and CPU seconds so far."""

    pid: int
    created_at: float
    cpu_seconds: float


def cpu_percent_between(
    previous: Mapping[tuple[int, float], float],
    current: Mapping[tuple[int, float], ProcessTimes],
    previous_at: float,
    now: float,
) -> float:
    """CPU % of one core used by a component's processes between two samples.

    A process seen before counts its increase; one started after the previous sample
    counts all it used; one already running but unseen (the first sample) counts nothing,
    since its time cannot be split. Processes that ended in between are lost (a small
    undercount).
    """
    elapsed = now - previous_at
    if elapsed <= 0:
        return 0.0
    used = 0.0
    for key, times in current.items():
        if key in previous:
            used += max(0.0, times.cpu_seconds - previous[key])
        elif times.created_at >= previous_at:
            used += times.cpu_seconds
    return 100.0 * used / elapsed


# The fields of /proc/stat's cpu line (psutil.cpu_times()) that add up to all CPU time;
# guest time is already counted in user.
_ALL_TIME = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_cpu_times() -> dict[str, float]:
    """The machine's cumulative CPU seconds per kind (/proc/stat), for `steal_share`."""
    times: dict[str, float] = psutil.cpu_times()._asdict()
    return times


def steal_share(before: Mapping[str, float], after: Mapping[str, float]) -> float:
    """The share (0..1) of all CPU time between two `machine_cpu_times()` samples
    that the hypervisor gave to other machines (steal): on a shared host it slows every
    process alike, by an amount no setting of ours changes. 0 without a `steal` field."""
    total = sum(after.get(name, 0.0) - before.get(name, 0.0) for name in _ALL_TIME)
    if total <= 0:
        return 0.0
    return max(0.0, after.get("steal", 0.0) - before.get("steal", 0.0)) / total
