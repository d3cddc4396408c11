"""The live feed: every feedback and BalanceChanged from now on, in this instance.

Every backend instance must see *all* answers (the request may have come in
here) and all balance changes (for its subscribers), so this consumer joins no
group: it ``assign()``s every partition at the current end. Its thread polls
and hands decoded batches to the loop; the loop never waits on librdkafka.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from backend.feedback import Delivered
from backend.kafka.decoding import decode_batch
from topology.serde import RecordSerde
from topology.topics import ACCOUNT_CREATION_FEEDBACK, BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["LIVE_TOPICS", "LiveFeed"]

LIVE_TOPICS = (ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED)
_log = logging.getLogger(__name__)
_DRAIN_MAX = 1000
_METADATA_TIMEOUT_S = 10.0


class LiveFeed:
    """Thread-driven consumer of ``LIVE_TOPICS`` from their end."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        loop: asyncio.AbstractEventLoop,
        on_batch: Callable[[Sequence[Delivered]], None],
        on_crash: Callable[[BaseException], None],
    ) -> None:
        """``on_crash`` is called from this feed's thread if it stops for good."""
        self._config = config
        self._serde = serde
        self._loop = loop
        self._on_batch = on_batch
        self._on_crash = on_crash
        self._topics = {topic.name: topic for topic in LIVE_TOPICS}
        self._stopping = threading.Event()
        self.ready = threading.Event()
        self.received = 0
        self.skipped = 0
        self._thread = threading.Thread(target=self._run, name="backend-live", daemon=True)

    def start(self) -> None:
        """Start the thread; ``ready`` is set once every partition is assigned."""
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the thread to stop and wait for it (blocking)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def _run(self) -> None:
        consumer = Consumer(self._config)
        try:
            consumer.assign(self._end_positions(consumer))
            self.ready.set()
            while not self._stopping.is_set():
                first = consumer.poll(0.1)
                if first is None:
                    continue
                # Drain what is already fetched without waiting: batching for free,
                # no added latency (consume() with a timeout waits for a full batch).
                messages = [first, *consumer.consume(_DRAIN_MAX, 0)]
                delivered, skipped = decode_batch(messages, self._serde, self._topics)
                self.received += len(delivered)
                self.skipped += skipped
                if delivered:
                    self._loop.call_soon_threadsafe(self._on_batch, delivered)
        except Exception as exc:  # noqa: BLE001 - reported to the app, which stops loudly
            _log.exception("live feed stopped")
            self._on_crash(exc)
        finally:
            consumer.close()

    def _end_positions(self, consumer: Consumer) -> list[TopicPartition]:
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
