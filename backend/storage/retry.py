"""Database calls that survive PostgreSQL restarting.

A restart (``pg_ctl restart``, or the postmaster resetting every connection after one
backend process died) leaves each pooled connection dead. SQLAlchemy notices the first
one (``connection_invalidated``) and invalidates the whole pool, so the call is simply
run again on a fresh connection. While the server is down or starting, connecting fails;
the call is tried again with a short back-off for up to ``wait_s`` (15 s), then the client gets
``UnavailableError`` (code ``UNAVAILABLE``, ``dependency: database``) with a retry hint
instead of "Unexpected error.". Only reads and idempotent writes go through here: running
them twice gives the same result as once.

No ``pool_pre_ping``: it costs a round trip on every checkout to catch what the retry
catches on the first failed query after a restart.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from backend.errors import UnavailableError

__all__ = ["RETRY_AFTER_MS", "is_connection_failure", "retrying"]

T = TypeVar("T")
_log = logging.getLogger(__name__)

#: The hint given to clients when the database stayed away for the whole wait.
RETRY_AFTER_MS = 2000
#: A crash restart (recovery and its checkpoint) took 6.3 s on two busy cores (load 13).
_WAIT_S = 15.0
_FIRST_PAUSE_S = 0.05
_MAX_PAUSE_S = 0.5


def is_connection_failure(error: BaseException) -> bool:
    """True for a dropped or refused connection (worth a fresh one), not for a bad query."""
    if not isinstance(error, DBAPIError):
        return False
    # OperationalError: refused, reset, "the database system is starting up/shutting down".
    return error.connection_invalidated or isinstance(error, OperationalError)


async def retrying(
    operation: Callable[[], Awaitable[T]],
    *,
    wait_s: float = _WAIT_S,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run ``operation`` (a read or an idempotent write), again on connection failures."""
    deadline = clock() + wait_s
    pause = 0.0  # the first retry right away: a dead pooled connection is the usual case
    while True:
        try:
            return await operation()
        except DBAPIError as exc:
            if not is_connection_failure(exc):
                raise
            if clock() + pause > deadline:
                _log.warning("database unreachable for %.1f s: %s", wait_s, exc.orig)
                raise UnavailableError("database", RETRY_AFTER_MS) from exc
            _log.info("database connection lost, retrying on a fresh one: %s", exc.orig)
        await asyncio.sleep(pause)
        pause = min(max(pause * 2, _FIRST_PAUSE_S), _MAX_PAUSE_S)
