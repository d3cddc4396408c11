"""Resident memory of another process, from psutil and `/proc/<pid>/status`.

RSS counts every page a process has mapped, its libraries' file-backed pages too, in full
even when other processes share them; so the drain also reports the anonymous part (what
the process allocated) and PSS (shared pages divided among their users).
"""

from __future__ import annotations

import threading
from pathlib import Path

import psutil

__all__ = ["RssSampler", "pss_mib", "rss_mib", "rss_split_mib"]

_MIB = 2**20


class RssSampler(threading.Thread):
    """Samples a process's RSS every 50 ms; `peak_mib` is the largest seen, `peak_split_mib`
    its anonymous and file-backed parts at that moment."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._process = psutil.Process(pid)
        self._status = Path(f"/proc/{pid}/status")
        self._halt = threading.Event()
        self.samples: list[int] = []
        self.peak_split_mib: dict[str, float] = {}

    def run(self) -> None:
        while not self._halt.wait(0.05):
            try:
                rss = self._process.memory_info().rss
            except psutil.Error:
                return
            if rss > max(self.samples, default=0):
                self.peak_split_mib = rss_split_mib(self._status)
            self.samples.append(rss)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._halt.set()
        self.join()

    @property
    def peak_mib(self) -> float:
        """The largest RSS sampled, MiB."""
        return max(self.samples, default=0) / _MIB


def rss_split_mib(status: Path) -> dict[str, float]:
    """RssAnon and RssFile (MiB) from a `/proc/<pid>/status` file; empty if it is gone."""
    try:
        lines = status.read_text().splitlines()
    except OSError:
        return {}
    return {
        name.removeprefix("Rss").lower(): round(int(value.split()[0]) / 1024, 1)
        for name, _, value in (line.partition(":") for line in lines)
        if name in ("RssAnon", "RssFile")
    }


def rss_mib(pid: int) -> float:
    """The resident set size of `pid`, MiB."""
    return psutil.Process(pid).memory_info().rss / _MIB


def pss_mib(pid: int) -> float:
    """Proportional set size of `pid`, MiB: shared libraries count by the share of the
    processes using them (the Python services map the same libssl, libpq, librdkafka)."""
    return float(psutil.Process(pid).memory_full_info().pss) / _MIB
