"""Sampling CPU and memory of every component process with psutil.

Components are what the stack's supervisord runs (``stack.supervision.component_pids``),
each with all its descendants (PostgreSQL backends,
nginx workers), plus the benchmark's own browser (Chromium under Playwright's driver) and
the harness (this Python process and Playwright's Node driver: they run on the same cores,
so their share belongs in the picture too). RSS is summed over a component's processes
(shared pages counted in each: an upper bound).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeAlias

import psutil

from bench.cpu import ProcessTimes, cpu_percent_between
from bench.rows import ComponentUsage
from stack.layout import StackLayout
from stack.supervision import component_pids

__all__ = ["BROWSER", "HARNESS", "MACHINE", "ComponentSampler", "stack_component_pids"]

BROWSER = "browser"
HARNESS = "bench"
"""The benchmark itself: this process and Playwright's driver, not the browser."""
MACHINE = "machine"
"""Pseudo-component: all CPUs (busy %, one core = 100) and used memory of the machine,
so what else ran during a sample (other people's tests) shows beside the components."""
_MIB = 1024 * 1024

_Times: TypeAlias = dict[tuple[int, float], ProcessTimes]
"""A component's processes by (pid, start time), with their CPU seconds."""


def stack_component_pids(run_dir: Path) -> dict[str, int]:
    """The running components of the stack in ``run_dir`` and their root pids.

    Asked of the stack's supervisord, which runs them.
    """
    layout = StackLayout.from_environ({**os.environ, "OPEN_BANK_RUN_DIR": str(run_dir)})
    return component_pids(layout)


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _browser_and_harness() -> tuple[list[psutil.Process], list[psutil.Process]]:
    # Chromium runs under Playwright's driver, itself a child of this process.
    me = psutil.Process()
    browser: list[psutil.Process] = []
    harness = [me]
    for process in me.children(recursive=True):
        try:
            is_browser = "chrom" in process.name().lower()
        except psutil.Error:
            continue
        (browser if is_browser else harness).append(process)
    return browser, harness


def _all_time(times: Any) -> float:
    # Linux counts guest time inside user time as well: psutil's own percentages drop it.
    return float(sum(times)) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)


def _started_at(processes: list[psutil.Process]) -> float | None:
    # The root process (first in the tree): a new start time means the stack restarted it.
    try:
        return processes[0].create_time() if processes else None
    except psutil.Error:
        return None


class ComponentSampler:
    """Takes samples; each one's CPU figure covers the time since the previous sample."""

    def __init__(
        self,
        run_dir: Path,
        *,
        include_browser: bool = True,
        components: Callable[[Path], dict[str, int]] = stack_component_pids,
    ) -> None:
        self._run_dir = run_dir
        self._components = components
        self._include_browser = include_browser
        self._previous: dict[str, dict[tuple[int, float], float]] = {}
        self._previous_at = time.time()
        # Machine-wide CPU times of our own: psutil.cpu_percent(interval=None) keeps one
        # module-wide interval, and read twice in quick succession it reported 0 %.
        self._machine_times = psutil.cpu_times()

    def _processes(self) -> dict[str, list[psutil.Process]]:
        components = {
            name: _tree(psutil.Process(pid))
            for name, pid in self._components(self._run_dir).items()
            if psutil.pid_exists(pid)
        }
        if self._include_browser:
            components[BROWSER], components[HARNESS] = _browser_and_harness()
        return components

    @staticmethod
    def _measure(
        processes: Iterable[psutil.Process],
    ) -> tuple[dict[tuple[int, float], ProcessTimes], float]:
        times: dict[tuple[int, float], ProcessTimes] = {}
        rss = 0
        for process in processes:
            try:
                with process.oneshot():
                    cpu = process.cpu_times()
                    created = process.create_time()
                    rss += process.memory_info().rss
            except psutil.Error:
                continue  # Ended while we looked: its time is lost, see cpu_percent_between.
            times[(process.pid, created)] = ProcessTimes(
                process.pid, created, cpu.user + cpu.system
            )
        return times, rss / _MIB

    def _machine_busy_percent(self) -> float:
        """Busy share (%) of all CPUs since the previous call: not idle, not waiting on I/O."""
        before, after = self._machine_times, psutil.cpu_times()
        self._machine_times = after
        total = _all_time(after) - _all_time(before)
        idle = (after.idle + after.iowait) - (before.idle + before.iowait)
        return 0.0 if total <= 0 else max(0.0, 100.0 * (total - idle) / total)

    def sample(self) -> dict[str, ComponentUsage]:
        """CPU % of one core since the previous sample and RSS (MiB), per component.

        Take one sample to set the baseline before the first one that counts: processes
        already running at the first sample show no CPU in it.
        """
        now = time.time()
        usage: dict[str, ComponentUsage] = {}
        current: dict[str, dict[tuple[int, float], float]] = {}
        for name, processes in sorted(self._processes().items()):
            times, rss_mib = self._measure(processes)
            cpu = cpu_percent_between(self._previous.get(name, {}), times, self._previous_at, now)
            usage[name] = ComponentUsage(
                cpu_percent=round(cpu, 2),
                rss_mib=round(rss_mib, 2),
                processes=len(times),
                started_at=None if name in (BROWSER, HARNESS) else _started_at(processes),
            )
            current[name] = {key: t.cpu_seconds for key, t in times.items()}
        cores = psutil.cpu_count() or 1
        usage[MACHINE] = ComponentUsage(
            cpu_percent=round(self._machine_busy_percent() * cores, 2),
            rss_mib=round(psutil.virtual_memory().used / _MIB, 2),
            processes=len(psutil.pids()),
        )
        self._previous, self._previous_at = current, now
        return usage
