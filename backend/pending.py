"""Requests waiting for the command handler's feedback, bounded in number and time.

A request registers its command id *before* the command is published, so the
answer cannot overtake it. A second request with the same id joins the first
one's future instead of publishing again. Answers that arrive with nobody
waiting, and answers already delivered, are kept in a small LRU so a repeated
id is answered at once.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from backend.errors import ClientError

__all__ = ["PendingResults", "ResultTimeoutError", "TooManyPendingError"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ResultTimeoutError(ClientError, TimeoutError):
    """The command handler did not answer within the configured wait."""

    def __init__(self, waited_ms: int) -> None:
        super().__init__(
            f"no answer from the command handler within {waited_ms} ms; it is still"
            " coming: ask again with the same request",
            "RESULT_TIMEOUT",
            retry_after_ms="1000",
        )


class TooManyPendingError(ClientError, RuntimeError):
    """The bound on concurrently pending requests is reached; try again later."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"too many pending requests (limit {limit}), try again later", "OVERLOADED"
        )


@dataclass(slots=True)
class _Entry(Generic[V]):
    """One pending command id: when it was published and who waits for it."""

    #: Wall-clock time (s since the epoch) the command was published: compared with
    #: Kafka's record timestamps for the latency breakdown.
    started: float
    #: Each waiter's own future and the timer that times it out.
    waiters: list[tuple[asyncio.Future[V], asyncio.TimerHandle]] = field(default_factory=list)


class PendingResults(Generic[K, V]):
    """Futures keyed by command id; resolved by the feedback consumer.

    Each waiter gets its own future, resolved directly by ``resolve``: the awaiting
    task wakes in one step of the loop, where ``asyncio.wait_for`` over a shared future
    takes several, each behind the whole ready queue under load. Each waiter has its
    own time-out; cancelling one waiter (its client went away) leaves the others and the
    entry, which leaves when its last waiter is done, at the latest after the time-out.

    Must be used from the event loop's thread only (the Kafka bridge hands feedback
    over with ``call_soon_threadsafe``), except ``is_pending``.
    """

    def __init__(
        self,
        *,
        timeout_ms: int,
        max_pending: int,
        recent_size: int = 10_000,
        on_answer: Callable[[float], None] | None = None,
    ) -> None:
        """``on_answer`` receives each request-to-answer latency in seconds (metrics)."""
        self._on_answer = on_answer
        self._timeout_ms = timeout_ms
        self._max_pending = max_pending
        self._recent_size = recent_size
        self._pending: dict[K, _Entry[V]] = {}
        self._recent: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def is_pending(self, key: K) -> bool:
        """True while someone here waits for ``key``.

        The one method safe to call from another thread (a dict lookup, atomic under
        the GIL): the live feed asks it to skip decoding answers nobody here awaits. A
        key is registered before its command is published, so its answer finds it.
        """
        return key in self._pending

    def sent_at(self, key: K) -> float | None:
        """When the command of a pending ``key`` was published (epoch seconds), else None."""
        entry = self._pending.get(key)
        return None if entry is None else entry.started

    def recent(self, key: K) -> V | None:
        """An answer already seen for ``key``, if still remembered."""
        return self._recent.get(key)

    def resolve(self, key: K, value: V) -> None:
        """Hand ``value`` to whoever waits for ``key`` and remember it."""
        self._remember(key, value)
        started = self._settle(key, lambda waiter: waiter.set_result(value))
        if started is not None and self._on_answer is not None:
            self._on_answer(time.time() - started)

    def fail(self, key: K, error: BaseException) -> None:
        """Fail the waiters of ``key`` (e.g. the command could not be published)."""
        self._settle(key, lambda waiter: waiter.set_exception(error))

    def _settle(self, key: K, settle: Callable[[asyncio.Future[V]], None]) -> float | None:
        """Stop the time-outs of ``key``'s waiters and settle those still waiting; when
        the key was pending, when it started (s since the epoch)."""
        entry = self._pending.pop(key, None)
        if entry is None:
            return None
        for waiter, timer in entry.waiters:
            timer.cancel()
            if not waiter.done():
                settle(waiter)
        return entry.started

    def register(
        self, key: K, send: Callable[[], None], timeout_ms: int | None = None
    ) -> asyncio.Future[V]:
        """A future of the answer to ``key``; ``send`` is called if nobody waited yet.

        The future is this caller's own: it may set it itself (an answer found
        elsewhere) or cancel it without touching other waiters. Raises
        ``TooManyPendingError`` at the bound; the future fails with
        ``ResultTimeoutError`` after the wait (``timeout_ms``, else the configured one).
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[V] = loop.create_future()
        known = self._recent.get(key)
        if known is not None:
            waiter.set_result(known)
            return waiter
        entry = self._pending.get(key)
        if entry is None:
            if len(self._pending) >= self._max_pending:
                raise TooManyPendingError(self._max_pending)
            entry = _Entry(started=time.time())
            self._pending[key] = entry
            try:
                send()
            except BaseException:
                del self._pending[key]
                raise
        waited_ms = self._timeout_ms if timeout_ms is None else timeout_ms
        timer = loop.call_later(waited_ms / 1000, self._time_out, key, entry, waiter, waited_ms)
        entry.waiters.append((waiter, timer))
        return waiter

    async def wait_for(self, key: K, send: Callable[[], None]) -> V:
        """Register ``key``, call ``send`` once, and await the answer (see ``register``)."""
        return await self.register(key, send)

    def _time_out(
        self, key: K, entry: _Entry[V], waiter: asyncio.Future[V], waited_ms: int
    ) -> None:
        if not waiter.done():
            waiter.set_exception(ResultTimeoutError(waited_ms))
        # The last waiter done (answered elsewhere, cancelled or timed out): the entry
        # leaves the map, so nothing pending outlives its time-out.
        if self._pending.get(key) is entry and all(w.done() for w, _ in entry.waiters):
            del self._pending[key]

    def _remember(self, key: K, value: V) -> None:
        self._recent[key] = value
        self._recent.move_to_end(key)
        while len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)
