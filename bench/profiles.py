"""Sampling profiles of the Python services during a load step, with py-spy.

CPU% per process and the services' counters say *which* stage is slow; a profile says
*where* inside it the time goes. ``StepProfiler`` runs ``py-spy record`` (raw, collapsed
stacks, per thread, idle samples included so time spent waiting on PostgreSQL or Kafka
shows too) against the command handler and the backend for a few seconds of a step;
``hot_frames`` turns a collapsed file into each thread's largest frames (pure).
py-spy samples from outside the process (``--nonblocking``: it never pauses it), at
50 Hz; each py-spy costs ~5 % of a core while it records (measured: 0.4-0.5 s CPU per 5 s
at 100 Hz), which the profiled steps carry.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PROFILED", "HotFrame", "StepProfiler", "hot_frames"]

log = logging.getLogger(__name__)

PROFILED = ("command-handler", "backend")
"""The stack components profiled (both Python)."""

_RATE_HZ = 50
_TRUNK = 0.995
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME_LINE = re.compile(r" \(([^()]*):\d+\)$")


@dataclass(frozen=True, slots=True)
class HotFrame:
    """A function and the share (0..1) of a thread's samples with it on the stack."""

    thread: str
    function: str
    share: float


def _function(frame: str) -> str:
    # "Loop._gather (command_handler/loop.py:157)" -> "Loop._gather (command_handler/loop.py)"
    return _FRAME_LINE.sub(r" (\1)", frame)


def hot_frames(collapsed: str, top: int = 8) -> list[HotFrame]:
    """Per thread, the ``top`` functions by inclusive share of that thread's samples.

    ``collapsed`` is py-spy's raw output with ``--threads``: one line per distinct stack,
    ``thread (...): root;...;leaf <count>``. Line numbers are dropped, so one function
    counts once per stack however many of its lines appear; functions on (nearly) every
    sample of the thread, its trunk, are left out.
    """
    totals: Counter[str] = Counter()
    inclusive: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for line in collapsed.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        frames = match["stack"].split(";")
        thread, count = frames[0], int(match["count"])
        totals[thread] += count
        for function in {_function(frame) for frame in frames[1:]}:
            inclusive[thread][function] += count
    found: list[HotFrame] = []
    for thread, total in totals.most_common():
        # The trunk every sample shares (the entry point down to the loop) says nothing.
        branches = [(f, c) for f, c in inclusive[thread].most_common() if c < _TRUNK * total]
        found += [HotFrame(thread, function, count / total) for function, count in branches[:top]]
    return found


class StepProfiler:
    """Starts py-spy against the profiled components; files go to ``out_dir``."""

    def __init__(self, out_dir: Path, run_id: str, seconds: int) -> None:
        self._out_dir = out_dir
        self._run_id = run_id
        self._seconds = seconds
        self._running: list[asyncio.subprocess.Process] = []
        self._py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")

    async def start(self, load: int, pids: Mapping[str, int]) -> list[Path]:
        """Profile each PROFILED component in ``pids`` for ``seconds``; return the files."""
        files = []
        for name in PROFILED:
            if name not in pids:
                continue
            path = self._out_dir / f"profile-{self._run_id}-{name}-{load}.txt"
            command = [
                self._py_spy, "record", "--pid", str(pids[name]), "--duration",
                str(self._seconds), "--rate", str(_RATE_HZ), "--format", "raw", "--output",
                str(path), "--nonblocking", "--threads", "--idle",
            ]  # fmt: skip
            try:
                process = await asyncio.create_subprocess_exec(
                    *command,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            except OSError as error:
                log.warning("no profile of %s: %s", name, error)
                continue
            self._running.append(process)
            files.append(path)
        return files

    async def wait(self) -> None:
        """Wait for every profile still being recorded (each ends after ``seconds``)."""
        running, self._running = self._running, []
        for process in running:
            await process.wait()
