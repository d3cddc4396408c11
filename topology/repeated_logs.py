"""Quiet repeats of a client library's log lines while a dependency is down.

librdkafka logs every failed connection attempt: a Kafka restart of 17 s wrote 356 lines
to the command handler's log and 787 to the backend's, burying the one line that said what
happened. `RepeatFilter` lets the first line of a kind through, drops the lines alike to it
for a window, and then lets the next one through with the count of those it dropped, so
the log says when a state began, that it went on, and when it changed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RepeatFilter", "with_quiet_logs"]

# Lines differing only in numbers (ports, milliseconds, broker ids, offsets) are alike.
_NUMBERS = re.compile(r"\d+")
# Kinds remembered at most: past this, the oldest are forgotten (bounded memory).
_MAX_KINDS = 1_000


@dataclass(slots=True)
class _Run:
    started: float
    dropped: int = 0


class RepeatFilter(logging.Filter):
    """A logging filter: one line per kind per `window_s` seconds, with a `repeated` field
    (how many alike lines were dropped since the last one let through)."""

    def __init__(self, window_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window_s = window_s
        self._clock = clock
        self._runs: dict[tuple[int, str], _Run] = {}
        # Filters run in whichever thread logs (librdkafka's lines come from poll()).
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.levelno, _NUMBERS.sub("#", record.getMessage()))
        now = self._clock()
        with self._lock:
            run = self._runs.get(kind)
            if run is not None and now - run.started < self._window_s:
                run.dropped += 1
                return False
            if run is not None and run.dropped:
                record.repeated = run.dropped
            if run is None and len(self._runs) >= _MAX_KINDS:
                del self._runs[next(iter(self._runs))]
            # Re-inserted at the end: the dict's order is the order of last use.
            self._runs.pop(kind, None)
            self._runs[kind] = _Run(now)
        return True


# One logger and one RepeatFilter for every librdkafka client of the process.
_LIBRDKAFKA = logging.getLogger("librdkafka")
_LIBRDKAFKA.addFilter(RepeatFilter())


def with_quiet_logs(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` (a librdkafka client's) with its log lines sent to the `librdkafka` logger:
    through Python's logging (the service's format and handlers) instead of straight to
    stderr, one line per kind per 30 s (RepeatFilter)."""
    return {**config, "logger": _LIBRDKAFKA}
