"""Structured logs: one JSON object per line, and a log line only when a state changes.

A dependency that is down makes the loop retry many times a second; `StateLog` writes
one line when it goes down and one when it is back, instead of one per attempt.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

__all__ = ["JsonFormatter", "StateLog", "configure_logging"]

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON with time, level, logger, message and every `extra` field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Send JSON lines to stderr (the stack writes them to .run/logs/command-handler.log)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The registry client logs every HTTP request at INFO; only its problems matter here.
    for noisy in ("httpx", "httpx2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class StateLog:
    """Remembers whether `dependency` is up and logs only transitions."""

    def __init__(self, logger: logging.Logger, dependency: str) -> None:
        self._logger = logger
        self._dependency = dependency
        self._up = True

    @property
    def up(self) -> bool:
        """False between a failure and the next success."""
        return self._up

    def failed(self, error: BaseException) -> None:
        """Record a failed attempt; logs only the first of a series."""
        if self._up:
            self._up = False
            self._logger.warning(
                "%s unavailable, retrying with back-off",
                self._dependency,
                extra={"dependency": self._dependency, "error": str(error)},
            )

    def succeeded(self) -> None:
        """Record a successful attempt; logs only the first after failures."""
        if not self._up:
            self._up = True
            self._logger.info(
                "%s available again", self._dependency, extra={"dependency": self._dependency}
            )
