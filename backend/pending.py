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
from typing import Generic, TypeVar

from backend.errors import ClientError

__all__ = ["PendingResults", "ResultTimeoutError", "TooManyPendingError"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ResultTimeoutError(ClientError, TimeoutError):
    """The command handler did not answer within the configured wait."""

    def __init__(self, waited_ms: int) -> None:
        super().__init__(
            f"no answer from the command handler within {waited_ms} ms", "RESULT_TIMEOUT"
        )


class TooManyPendingError(ClientError, RuntimeError):
    """The bound on concurrently pending requests is reached; try again later."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"too many pending requests (limit {limit}), try again later", "OVERLOADED"
        )


class PendingResults(Generic[K, V]):
    """Futures keyed by command id; resolved by the feedback consumer.

    Must be used from the event loop's thread only (the Kafka bridge hands
    feedback over with ``call_soon_threadsafe``).
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
        #: Wall-clock time (s since the epoch) each pending command was published: it is
        #: compared with Kafka's record timestamps for the latency breakdown.
        self._started: dict[K, float] = {}
        self._timeout_s = timeout_ms / 1000
        self._timeout_ms = timeout_ms
        self._max_pending = max_pending
        self._recent_size = recent_size
        self._pending: dict[K, asyncio.Future[V]] = {}
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
        return self._started.get(key)

    def recent(self, key: K) -> V | None:
        """An answer already seen for ``key``, if still remembered."""
        return self._recent.get(key)

    def resolve(self, key: K, value: V) -> None:
        """Hand ``value`` to whoever waits for ``key`` and remember it."""
        self._remember(key, value)
        future = self._pending.pop(key, None)
        if future is not None and not future.done():
            future.set_result(value)
            started = self._started.pop(key, None)
            if started is not None and self._on_answer is not None:
                self._on_answer(time.time() - started)

    def fail(self, key: K, error: BaseException) -> None:
        """Fail the waiter of ``key`` (e.g. the command could not be published)."""
        future = self._pending.pop(key, None)
        self._started.pop(key, None)
        if future is not None and not future.done():
            future.set_exception(error)

    async def wait_for(self, key: K, send: Callable[[], None]) -> V:
        """Register ``key``, call ``send`` once, and await the answer.

        Raises ``TooManyPendingError`` at the bound and ``ResultTimeoutError`` after the wait.
        """
        known = self._recent.get(key)
        if known is not None:
            return known
        future = self._pending.get(key)
        if future is None:
            if len(self._pending) >= self._max_pending:
                raise TooManyPendingError(self._max_pending)
            future = asyncio.get_running_loop().create_future()
            self._pending[key] = future
            self._started[key] = time.time()
            try:
                send()
            except BaseException:
                self._pending.pop(key, None)
                self._started.pop(key, None)
                raise
        try:
            # shield: one waiter timing out or being cancelled must not cancel
            # the future other waiters of the same id share.
            return await asyncio.wait_for(asyncio.shield(future), self._timeout_s)
        except TimeoutError:
            self._expire(key, future)
            raise ResultTimeoutError(self._timeout_ms) from None
        except asyncio.CancelledError:
            # The waiter went away (client gone, or answered from elsewhere): the
            # entry must still leave the map if no answer ever comes.
            asyncio.get_running_loop().call_later(self._timeout_s, self._expire, key, future)
            raise

    def _expire(self, key: K, future: asyncio.Future[V]) -> None:
        if self._pending.get(key) is future:
            del self._pending[key]
            self._started.pop(key, None)

    def _remember(self, key: K, value: V) -> None:
        self._recent[key] = value
        self._recent.move_to_end(key)
        while len(self._recent) > self._recent_size:
            self._recent.popitem(last=False)
