"""The Events page's fan-out: log order, sampling to a budget, recent past sent once."""

import asyncio
import random
import uuid
from contextlib import aclosing

import pytest

from backend.event_hub import EventBatch, EventHub, TooManyEventSubscribersError
from backend.events import EventFilter, LoggedEvent
from topology.records import MoneyTransferConfirmed

pytestmark = pytest.mark.timeout(10)


def answers(partition: int, offsets: range) -> list[LoggedEvent]:
    return [
        LoggedEvent(
            "money_transfer_feedback", partition, o, 0, 5, MoneyTransferConfirmed(uuid.uuid4())
        )
        for o in offsets
    ]


async def batches(
    hub: EventHub, recent: list[LoggedEvent], count: int, held: list[LoggedEvent] | None = None
) -> list[EventBatch]:
    subscriber = hub.subscribe(EventFilter(None))
    hub.publish(held or [])  # arrives while the recent past is read: held back
    hub.release(subscriber, {("money_transfer_feedback", 0): 4})
    got: list[EventBatch] = []
    async with aclosing(hub.stream(subscriber, recent)) as stream:
        async for batch in stream:
            got.append(batch)
            if len(got) == count:
                break
    return got


async def test_a_slow_window_is_sent_whole_in_log_order_without_the_recent_past_twice() -> None:
    hub = EventHub(max_per_batch=50, flush_every_s=0.01)
    recent = answers(0, range(5))
    # 3 and 4 were in the recent past.
    task = asyncio.create_task(batches(hub, recent, 2, held=answers(0, range(3, 6))))
    await asyncio.sleep(0.005)
    hub.publish(answers(0, range(6, 8)))
    first, second = await task
    assert [e.offset for e in first.events] == [0, 1, 2, 3, 4]
    assert [e.offset for e in second.events] == [5, 6, 7]
    assert (second.sampled_one_in, second.matched, second.left_out) == (1, 3, 0)
    assert hub.subscriber_count == 0


async def test_a_busy_window_is_a_uniform_sample_in_log_order() -> None:
    hub = EventHub(max_per_batch=10, flush_every_s=0.05, chance=random.Random(7))
    task = asyncio.create_task(batches(hub, [], 2))
    await asyncio.sleep(0.01)
    # Partition 1's chunk comes first, as a consumer hands over a partition at a time.
    hub.publish(answers(1, range(100)) + answers(2, range(100)))
    _recent, sampled = await task
    assert len(sampled.events) == 10
    assert (sampled.matched, sampled.left_out, sampled.sampled_one_in) == (200, 190, 20)
    by_partition = {p: [e.offset for e in sampled.events if e.partition == p] for p in (1, 2)}
    assert by_partition[1], "the first chunk does not crowd out the second"
    assert by_partition[2], "the second chunk is sampled too"
    for offsets in by_partition.values():
        assert offsets == sorted(offsets), "log order per partition"
    first_of_2 = [e.partition for e in sampled.events].index(2)
    assert all(e.partition == 2 for e in sampled.events[first_of_2:]), "arrival order"


def test_the_number_of_streams_is_bounded() -> None:
    hub = EventHub(max_subscribers=1)
    hub.subscribe(EventFilter(None))
    with pytest.raises(TooManyEventSubscribersError, match="at most 1"):
        hub.subscribe(EventFilter(None))


async def test_close_ends_every_stream() -> None:
    hub = EventHub()
    task = asyncio.create_task(batches(hub, [], 5))
    await asyncio.sleep(0.01)
    assert hub.has_subscribers
    hub.close()
    assert len(await task) == 1  # the recent past, then the end
