"""The dashboard's one sampler: collects a sample a second while anyone watches.

However many browsers subscribe, the sources are read once a second, here; each
subscriber gets the last minute first (so its charts fill at once) and then every new
sample. Nobody watching, nothing is read: the dashboard costs nothing while unused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable

from backend.dashboard.sample import Sample

__all__ = ["DashboardFeed"]

_log = logging.getLogger(__name__)


class DashboardFeed:
    """Fans one sampling loop out to every subscriber's queue."""

    def __init__(
        self,
        collect: Callable[[], Awaitable[Sample]],
        *,
        period_s: float = 1.0,
        history: int = 60,
        queue_size: int = 120,
    ) -> None:
        self._collect = collect
        self._period_s = period_s
        self._history: deque[Sample] = deque(maxlen=history)
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[Sample]] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def stream(self) -> AsyncGenerator[Sample, None]:
        """The last minute's samples, then each new one, until the caller stops."""
        queue: asyncio.Queue[Sample] = asyncio.Queue(self._queue_size)
        for sample in self._history:
            queue.put_nowait(sample)
        self._subscribers.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="dashboard-sampler")
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)
            if not self._subscribers:
                await self.close()

    async def close(self) -> None:
        """Stop sampling and forget the history (a later watcher starts afresh)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._history.clear()

    def _publish(self, sample: Sample) -> None:
        self._history.append(sample)
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()  # a stalled browser loses its oldest sample, not the newest
            queue.put_nowait(sample)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        failing = False
        while True:
            try:
                self._publish(await self._collect())
            except Exception:  # noqa: BLE001 - one bad tick must not end the dashboard
                if not failing:  # the first failure in a row, with its traceback
                    _log.exception("dashboard: a sample failed; the next ones are skipped too")
                failing = True
            else:
                failing = False
            due += self._period_s
            # A slow tick (Kafka timing out) skips the seconds it overran, never bunches up.
            due = max(due, loop.time())
            await asyncio.sleep(due - loop.time())
