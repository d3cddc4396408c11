"""The live feed: every feedback and BalanceChanged from now on, in this instance.

Every backend instance must see *all* answers (the request may have come in
here) and all balance changes (for its subscribers), so this consumer joins no
group: it ``assign()``s every partition at the current end. Its thread polls
and hands decoded batches to the loop; the loop never waits on librdkafka.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from backend.feedback import Delivered
from backend.kafka.consumer_thread import ConsumerThread, KafkaConsumer
from backend.kafka.decoding import decode_batch
from topology.serde import RecordSerde
from topology.topics import ACCOUNT_CREATION_FEEDBACK, BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["LIVE_TOPICS", "LiveFeed"]

LIVE_TOPICS = (ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED)
#: At most this many already-fetched messages join the first one of a batch.
_DRAIN_MAX = 1000
_METADATA_TIMEOUT_S = 10.0


class LiveFeed(ConsumerThread):
    """Thread-driven consumer of ``LIVE_TOPICS`` from their end."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        loop: asyncio.AbstractEventLoop,
        on_batch: Callable[[Sequence[Delivered]], None],
        on_crash: Callable[[BaseException], None],
        consumer_factory: Callable[[dict[str, Any]], KafkaConsumer] = Consumer,
        wants: Callable[[str, bytes | None], bool] | None = None,
    ) -> None:
        """``on_batch`` runs on ``loop``; ``on_crash`` in this feed's thread.

        ``wants(topic, key)``, called in this thread, says which messages are worth
        decoding (``backend.interest.LiveInterest``); without it every one is.
        """
        # Drain without waiting: batching for free, no added latency (a wait would hold
        # the first answer back until the batch is full or the wait is over).
        super().__init__(
            config,
            name="backend-live",
            drain_max=_DRAIN_MAX,
            drain_wait_s=0,
            on_crash=on_crash,
            consumer_factory=consumer_factory,
        )
        self._serde = serde
        self._loop = loop
        self._on_batch = on_batch
        self._wants = wants
        self._topics = {topic.name: topic for topic in LIVE_TOPICS}
        self.ready = threading.Event()
        self.received = 0
        self.skipped = 0
        #: Messages not decoded because nobody here needed them.
        self.ignored = 0

    def begin(self, consumer: KafkaConsumer) -> None:
        """Assign every partition at its end offset; then ``ready`` is set."""
        consumer.assign(self._end_positions(consumer))
        self.ready.set()

    def handle(self, consumer: KafkaConsumer, messages: list[Message]) -> None:
        """Decode and hand the batch to the loop."""
        polled_at = time.time()
        if self._wants is not None:
            wanted = [m for m in messages if m.error() or self._wants(m.topic() or "", m.key())]
            self.ignored += len(messages) - len(wanted)
            messages = wanted
        delivered, skipped = decode_batch(messages, self._serde, self._topics, polled_at)
        self.received += len(delivered)
        self.skipped += skipped
        if delivered:
            self._loop.call_soon_threadsafe(self._on_batch, delivered)

    def _end_positions(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        positions: list[TopicPartition] = []
        for name in self._topics:
            metadata = consumer.list_topics(name, timeout=_METADATA_TIMEOUT_S).topics[name]
            if metadata.error is not None:
                raise RuntimeError(f"topic {name}: {metadata.error}")
            for partition in metadata.partitions:
                _low, high = consumer.get_watermark_offsets(
                    TopicPartition(name, partition), timeout=_METADATA_TIMEOUT_S
                )
                positions.append(TopicPartition(name, partition, high))
        return positions
