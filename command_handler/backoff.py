"""Exponential back-off between retries of an unavailable dependency (milliseconds)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(slots=True)
class Backoff:
    """Delays of `initial_ms`, doubling up to `max_ms`; `reset()` after a success."""

    initial_ms: int = 100
    max_ms: int = 5_000
    _next_ms: int = 0

    def next_delay_s(self) -> float:
        """The delay before the next attempt, in seconds."""
        delay = self._next_ms or self.initial_ms
        self._next_ms = min(delay * 2, self.max_ms)
        return delay / 1000

    def reset(self) -> None:
        """Start again from `initial_ms` after a success."""
        self._next_ms = 0
