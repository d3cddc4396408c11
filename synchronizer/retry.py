"""Bounded retries with capped exponential back-off, for calls to Kafka and the registry.

At the stack's start Kafka and the registry may still be opening their ports; a few
seconds of retries absorb that, and a bound makes a really missing service fail fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from synchronizer.errors import UnreachableError

__all__ = ["retry_bounded"]

T = TypeVar("T")
_log = logging.getLogger(__name__)


def retry_bounded(
    call: Callable[[], T],
    *,
    what: str,
    attempts: int,
    first_backoff_s: float,
    retry_on: tuple[type[BaseException], ...],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`; on an exception in `retry_on` wait and try again, `attempts` times in all
    (waits double from `first_backoff_s`, capped at 5 s). After the last failure raise
    `UnreachableError` naming `what` and the last error, on one line."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    backoff = first_backoff_s
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except retry_on as exc:
            if attempt == attempts:
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise UnreachableError(
                    f"{what} unreachable after {attempts} attempts: {detail}"
                ) from exc
            _log.info("%s not answering (attempt %d/%d): %s", what, attempt, attempts, exc)
            sleep(backoff)
            backoff = min(backoff * 2, 5.0)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
