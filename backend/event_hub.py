"""Fan-out of the history topics' records to Events page subscribers, sampled to a budget.

One Kafka consumer per process feeds every subscriber (``backend.kafka.history_reader``).
A subscriber gets a batch at most every ``flush_every_s`` with at most
``max_per_batch`` records. When more of its records arrive in a window, the batch is a
uniform sample of them (reservoir sampling, so no partition's chunk crowds out the others)
put back in arrival order, and it says so: a browser watching 7,000 records/s gets
~200/s in log order per partition, with the sampling shown, and neither it nor the
consumer ever waits for the other.
"""

import asyncio
import math
import random
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field

from backend.errors import ClientError
from backend.events import EventFilter, LoggedEvent

__all__ = ["EventBatch", "EventHub", "EventSubscription", "TooManyEventSubscribersError"]


#: Records held for one subscriber while its recent past is read (~0.5 s at most).
_MAX_HELD = 20_000


class TooManyEventSubscribersError(ClientError):
    """The process already streams its budget of event logs."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"too many event log subscriptions on this server (at most {limit}); try again later",
            "RATE_LIMITED",
        )


@dataclass(frozen=True, slots=True)
class EventBatch:
    """What one subscriber gets at a time: records in log order per partition."""

    events: tuple[LoggedEvent, ...]
    #: 1 = every matching record of the window is here; k = about one in k.
    sampled_one_in: int
    #: Records of the window that matched the subscriber's filter.
    matched: int
    #: Of those, how many were left out (sampling).
    left_out: int
    #: How long the window was (ms): matched / window is the stream's rate.
    window_ms: int


@dataclass(eq=False, slots=True)
class EventSubscription:
    """One open stream: its filter and the sample of its current window."""

    wanted: EventFilter
    #: Per (topic, partition): the last offset already sent with the recent past.
    sent_up_to: dict[tuple[str, int], int]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: The window's sample: (arrival number, record).
    pending: list[tuple[int, LoggedEvent]] = field(default_factory=list)
    #: Records held back, unfiltered, while the recent past is read (None: not holding).
    held: list[LoggedEvent] | None = field(default_factory=list)
    matched: int = 0
    #: Records lost while held (beyond ``_MAX_HELD``).
    lost: int = 0
    window_started: float = field(default_factory=time.monotonic)
    closed: bool = False


class EventHub:
    """Publish/subscribe of ``LoggedEvent`` within one event loop."""

    def __init__(
        self,
        *,
        max_per_batch: int = 50,
        flush_every_s: float = 0.25,
        max_subscribers: int = 50,
        chance: random.Random | None = None,
    ) -> None:
        # Sampling needs no secure randomness; a seeded one makes tests repeatable.
        self._chance = chance or random.Random()
        self._max_per_batch = max_per_batch
        self._flush_every_s = flush_every_s
        self._max_subscribers = max_subscribers
        self._subscribers: set[EventSubscription] = set()
        self.published_total = 0

    @property
    def has_subscribers(self) -> bool:
        """Read by the consumer thread to decode only while someone watches."""
        return bool(self._subscribers)

    @property
    def subscriber_count(self) -> int:
        """How many event log streams are open."""
        return len(self._subscribers)

    def publish(self, events: Sequence[LoggedEvent]) -> None:
        """Offer records (in log order per partition) to every subscriber; never waits."""
        self.published_total += len(events)
        for subscriber in tuple(self._subscribers):
            for event in events:
                self._offer(subscriber, event)
            if subscriber.matched or subscriber.lost:
                subscriber.wake.set()

    def _offer(self, subscriber: EventSubscription, event: LoggedEvent) -> None:
        if subscriber.held is not None:
            if len(subscriber.held) < _MAX_HELD:
                subscriber.held.append(event)
            else:
                subscriber.lost += 1
            return
        sent = subscriber.sent_up_to.get((event.topic, event.partition))
        if sent is not None and event.offset <= sent:
            return
        if not subscriber.wanted.matches(event):
            return
        number = subscriber.matched
        subscriber.matched += 1
        if len(subscriber.pending) < self._max_per_batch:
            subscriber.pending.append((number, event))
            return
        # Algorithm R: every record of the window has the same chance to be in the sample.
        slot = self._chance.randrange(subscriber.matched)
        if slot < self._max_per_batch:
            subscriber.pending[slot] = (number, event)

    def subscribe(self, wanted: EventFilter) -> EventSubscription:
        """Register a subscriber now, holding its records back until ``release``.

        Register in the same step of the loop as the snapshot the recent past is read
        from: then no record falls between the two.
        """
        if len(self._subscribers) >= self._max_subscribers:
            raise TooManyEventSubscribersError(self._max_subscribers)
        subscriber = EventSubscription(wanted, {})
        self._subscribers.add(subscriber)
        return subscriber

    def release(
        self, subscriber: EventSubscription, sent_up_to: dict[tuple[str, int], int]
    ) -> None:
        """The recent past, up to ``sent_up_to``, is read (and ``wanted`` has seen it):
        filter the held records now, in order, and let the next ones through."""
        held, subscriber.held = subscriber.held or [], None
        subscriber.sent_up_to = sent_up_to
        for event in held:
            self._offer(subscriber, event)
        if subscriber.matched or subscriber.lost:
            subscriber.wake.set()

    def unsubscribe(self, subscriber: EventSubscription) -> None:
        """Forget a subscriber whose stream never started."""
        self._subscribers.discard(subscriber)

    async def stream(
        self, subscriber: EventSubscription, recent: Sequence[LoggedEvent]
    ) -> AsyncGenerator[EventBatch, None]:
        """Yield ``recent`` once, then a batch per window until closed."""
        try:
            yield EventBatch(tuple(recent), 1, len(recent), 0, 0)
            while True:
                started = time.monotonic()
                await subscriber.wake.wait()
                if subscriber.closed:
                    return
                # Let the window fill: at most one batch per flush_every_s.
                rest = self._flush_every_s - (time.monotonic() - started)
                if rest > 0:
                    await asyncio.sleep(rest)
                yield self._take(subscriber)
        finally:
            self._subscribers.discard(subscriber)

    def _take(self, subscriber: EventSubscription) -> EventBatch:
        now = time.monotonic()
        sample = sorted(subscriber.pending, key=lambda numbered: numbered[0])
        sent = len(sample)
        batch = EventBatch(
            tuple(event for _number, event in sample),
            math.ceil(subscriber.matched / sent) if sent else 1,
            subscriber.matched + subscriber.lost,
            subscriber.matched - sent + subscriber.lost,
            round((now - subscriber.window_started) * 1000),
        )
        subscriber.window_started = now
        subscriber.pending = []
        subscriber.matched = 0
        subscriber.lost = 0
        subscriber.wake.clear()
        return batch

    def close(self) -> None:
        """End every stream (at shutdown)."""
        for subscriber in tuple(self._subscribers):
            subscriber.closed = True
            subscriber.wake.set()
        self._subscribers.clear()
