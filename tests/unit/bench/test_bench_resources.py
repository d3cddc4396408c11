"""The sampler against real processes of this machine (no stack needed: empty run dir)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.resources import BROWSER, HARNESS, ComponentSampler, stack_component_pids


def test_an_empty_run_dir_has_no_components(tmp_path: Path) -> None:
    assert stack_component_pids(tmp_path) == {}


def test_a_busy_component_shows_cpu_and_memory(tmp_path: Path) -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        # The stack's supervisord would name it; here the spinner is the one component.
        sampler = ComponentSampler(
            tmp_path, include_browser=False, components=lambda _: {"spinner": busy.pid}
        )
        process = psutil.Process(busy.pid)
        sampler.sample()  # baseline
        before, started = sum(process.cpu_times()[:2]), time.time()
        time.sleep(1.0)
        usage = sampler.sample()
        used, elapsed = sum(process.cpu_times()[:2]) - before, time.time() - started
    finally:
        busy.kill()
        busy.wait()
    assert set(usage) == {"spinner", "machine"}
    assert usage["machine"].cpu_percent > 0
    # However busy the machine is, the figure is the process's own CPU time per second.
    assert usage["spinner"].cpu_percent > 0
    assert abs(usage["spinner"].cpu_percent - 100 * used / elapsed) < 10
    assert 1 < usage["spinner"].rss_mib < 200
    assert usage["spinner"].processes == 1


def test_the_harness_is_sampled_beside_the_browser(tmp_path: Path) -> None:
    sampler = ComponentSampler(tmp_path)
    usage = sampler.sample()
    # No browser under this test process; the harness is at least this process itself.
    assert usage[BROWSER].processes == 0
    assert usage[HARNESS].processes >= 1
    assert usage[HARNESS].rss_mib > 1
