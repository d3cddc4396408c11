"""A dependency the loop retries while it is down (PostgreSQL, the schema registry, Kafka):
one log line when it goes away and one when it is back, a retry counter, and back-off."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import Counter

from command_handler.backoff import Backoff
from command_handler.logs import StateLog

__all__ = ["Dependency"]

_LOGGER = logging.getLogger("command_handler.loop")
_T = TypeVar("_T")


class Dependency:
    """`name` as the logs and the `retries` counter call it; `down_errors` are the
    exceptions that mean it is unavailable (anything else propagates)."""

    def __init__(
        self,
        name: str,
        *,
        down_errors: tuple[type[Exception], ...],
        retries: Counter,
        backoff: Backoff,
        stop: threading.Event,
    ) -> None:
        self.name = name
        self._down_errors = down_errors
        self._retries = retries
        self._backoff = backoff
        self._stop = stop
        self.state = StateLog(_LOGGER, name)

    def call(self, call: Callable[[], _T]) -> _T | None:
        """`call()` until the dependency answers; None if stopped meanwhile."""
        while True:
            try:
                result = call()
            except self._down_errors as exc:
                if self.failed(exc):
                    return None
            else:
                self.state.succeeded()
                return result

    def failed(self, exc: Exception) -> bool:
        """Log and count the dependency going away, then back off; True if stopped."""
        self.state.failed(exc)
        self._retries.labels(dependency=self.name).inc()
        return self._stop.wait(self._backoff.next_delay_s())

    def succeeded(self) -> None:
        """The dependency answered."""
        self.state.succeeded()
