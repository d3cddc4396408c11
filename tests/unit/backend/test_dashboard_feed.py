"""The dashboard's one sampler: one collection a tick however many watch, none when
nobody does, the last minute first for a newcomer."""

import asyncio
from collections.abc import AsyncIterator

from backend.dashboard.feed import DashboardFeed
from backend.dashboard.sample import Sample


class Source:
    """Counts collections; each sample's ``at`` is its number; call ``fail_at`` fails."""

    def __init__(self, fail_at: int = 0) -> None:
        self.calls = 0
        self.fail_at = fail_at

    async def __call__(self) -> Sample:
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("a source failed once")
        return Sample(float(self.calls), None, None, {}, {}, {})


async def _take(stream: AsyncIterator[Sample], count: int) -> list[float]:
    return [(await anext(stream)).at for _ in range(count)]


async def test_watchers_share_one_collection_per_tick() -> None:
    source = Source(fail_at=3)
    feed = DashboardFeed(source, period_s=0.02)
    first, second = feed.stream(), feed.stream()
    got_first = await _take(first, 4)
    got_second = await _take(second, 2)
    # The failed third collection is skipped, not fatal.
    assert got_first == [1.0, 2.0, 4.0, 5.0]
    # The second watcher came after two samples: it got them first.
    assert got_second[:2] == [1.0, 2.0]
    assert feed.subscriber_count == 2
    await first.aclose()
    await second.aclose()


async def test_nothing_is_collected_while_nobody_watches() -> None:
    source = Source()
    feed = DashboardFeed(source, period_s=0.01)
    stream = feed.stream()
    await _take(stream, 2)
    await stream.aclose()
    assert feed.subscriber_count == 0
    calls = source.calls
    await asyncio.sleep(0.1)
    assert source.calls == calls
    # A later watcher starts afresh, without the old history.
    again = feed.stream()
    assert (await anext(again)).at == calls + 1
    await again.aclose()


async def test_a_stalled_watcher_loses_its_oldest_samples_not_the_newest() -> None:
    feed = DashboardFeed(Source(), period_s=0.005, queue_size=3)
    stalled = feed.stream()
    assert (await anext(stalled)).at == 1.0
    await asyncio.sleep(0.1)  # many ticks while nobody reads
    rest = await _take(stalled, 3)
    assert rest == sorted(rest)
    assert rest[0] > 2.0
    await stalled.aclose()
    assert feed.subscriber_count == 0
