"""In-process fan-out of balance changes to GraphQL subscribers.

Each subscriber owns a bounded queue. Publishing never waits: a subscriber whose
queue is full is dropped and its stream ends with the reason, so one slow
client can never stall the Kafka consumer or the other subscribers.
"""

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from backend.errors import ClientError
from backend.outcomes import Direction, TransactionView

__all__ = ["SubscriberDroppedError", "TransactionFilter", "TransactionHub"]


class SubscriberDroppedError(ClientError, RuntimeError):
    """The subscriber did not keep up; its stream is closed with this reason."""

    def __init__(self, queue_size: int) -> None:
        super().__init__(
            f"subscription dropped: client too slow ({queue_size} undelivered transactions)",
            "SUBSCRIBER_TOO_SLOW",
        )


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    """Which transactions a subscriber wants; ``None`` means no restriction.

    ``min_amount_cents`` compares with the absolute change, so it works for
    debits too (the original compared the signed change, dropping every debit).
    """

    iban: str | None = None
    min_amount_cents: int | None = None
    direction: Direction | None = None

    def matches(self, transaction: TransactionView) -> bool:
        """True when ``transaction`` passes every given criterion."""
        if self.iban is not None and transaction.iban != self.iban:
            return False
        if (
            self.min_amount_cents is not None
            and abs(transaction.changed_by_cents) < self.min_amount_cents
        ):
            return False
        return self.direction is None or transaction.direction is self.direction


@dataclass(eq=False, slots=True)
class _Subscriber:
    wanted: TransactionFilter
    queue: asyncio.Queue[TransactionView | None]
    dropped: bool = False


class TransactionHub:
    """Publish/subscribe of ``TransactionView`` within one event loop."""

    def __init__(self, *, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscribers: set[_Subscriber] = set()
        # Who wants which iban, read by the live feed's thread to skip decoding changes
        # nobody here wants: subscribers without an iban filter, and counts per iban.
        self._unfiltered = 0
        self._per_iban: dict[str, int] = {}
        self.dropped_total = 0

    @property
    def subscriber_count(self) -> int:
        """How many streams are open right now."""
        return len(self._subscribers)

    def wants_iban(self, iban: str) -> bool:
        """True if a subscriber may want changes of ``iban``.

        Safe to call from another thread: two reads, each atomic under the GIL. A
        subscriber added meanwhile only misses changes made before it subscribed.
        """
        return self._unfiltered > 0 or iban in self._per_iban

    def publish(self, transaction: TransactionView) -> None:
        """Offer ``transaction`` to every matching subscriber without waiting."""
        for subscriber in tuple(self._subscribers):
            if not subscriber.wanted.matches(transaction):
                continue
            try:
                subscriber.queue.put_nowait(transaction)
            except asyncio.QueueFull:
                self._drop(subscriber)

    def close(self) -> None:
        """End every stream (at shutdown)."""
        for subscriber in tuple(self._subscribers):
            self._subscribers.discard(subscriber)
            self._wake(subscriber)

    async def stream(self, wanted: TransactionFilter) -> AsyncGenerator[TransactionView, None]:
        """Yield matching transactions until closed; raise if dropped as too slow."""
        subscriber = _Subscriber(wanted, asyncio.Queue(self._queue_size))
        self._subscribers.add(subscriber)
        self._count_interest(wanted.iban, +1)
        try:
            while True:
                item = await subscriber.queue.get()
                if item is None:
                    if subscriber.dropped:
                        raise SubscriberDroppedError(self._queue_size)
                    return
                yield item
        finally:
            self._subscribers.discard(subscriber)
            self._count_interest(wanted.iban, -1)

    def _count_interest(self, iban: str | None, change: int) -> None:
        if iban is None:
            self._unfiltered += change
            return
        count = self._per_iban.get(iban, 0) + change
        if count:
            self._per_iban[iban] = count
        else:
            del self._per_iban[iban]

    def _drop(self, subscriber: _Subscriber) -> None:
        subscriber.dropped = True
        self.dropped_total += 1
        self._subscribers.discard(subscriber)
        self._wake(subscriber)

    @staticmethod
    def _wake(subscriber: _Subscriber) -> None:
        # The queue may be full: make room for the end marker by discarding
        # what the slow subscriber would never have read anyway.
        while True:
            try:
                subscriber.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                subscriber.queue.get_nowait()
