"""The Events page's one consumer per process: every record of the history topics.

Like the live feed it joins no group and commits nothing: it ``assign()``s every
partition of ``HISTORY_TOPICS`` a little before the end, so the page opens on a recent
past. Each message's raw bytes go into a bounded ring (no decoding: cheap at any load),
which answers "the recent past" and "what did this command cause"; only while someone
watches does the thread decode the new messages and hand them to the loop.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from backend.events import LoggedEvent, RawRecord
from backend.kafka.consumer_thread import ConsumerThread, KafkaConsumer
from backend.kafka.decoding import FatalConsumerError
from topology.kafka_errors import is_fatal
from topology.serde import RecordSerde, UndecodableRecord, schema_id_of
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

__all__ = ["HISTORY_TOPICS", "HistoryReader"]

HISTORY_TOPICS = (COMMANDS, ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED)
_METADATA_TIMEOUT_S = 10.0
_DRAIN_MAX = 2000
_log = logging.getLogger(__name__)


class HistoryReader(ConsumerThread):
    """Thread-driven reader of ``HISTORY_TOPICS``: a ring of raw records, decoded on demand."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        loop: asyncio.AbstractEventLoop,
        on_events: Callable[[Sequence[LoggedEvent]], None],
        watched: Callable[[], bool],
        on_crash: Callable[[BaseException], None],
        *,
        ring_size: int,
        start_back: int,
        consumer_factory: Callable[[dict[str, Any]], KafkaConsumer] = Consumer,
    ) -> None:
        """``on_events`` runs on ``loop``, called only while ``watched()`` (read in the
        thread) is true. ``start_back``: records per partition read before the end."""
        super().__init__(
            config,
            name="backend-history",
            drain_max=_DRAIN_MAX,
            drain_wait_s=0,
            on_crash=on_crash,
            consumer_factory=consumer_factory,
        )
        self._serde = serde
        self._loop = loop
        self._on_events = on_events
        self._watched = watched
        self._start_back = start_back
        self._topics: dict[str, Topic] = {topic.name: topic for topic in HISTORY_TOPICS}
        # deque appends and list(deque) are atomic under the GIL: readers on other
        # threads copy it without a lock.
        self._ring: deque[RawRecord] = deque(maxlen=ring_size)
        self.received = 0
        self.undecodable = 0

    def begin(self, consumer: KafkaConsumer) -> None:
        """Assign every partition ``start_back`` records before its end."""
        positions: list[TopicPartition] = []
        for name in self._topics:
            metadata = consumer.list_topics(name, timeout=_METADATA_TIMEOUT_S).topics[name]
            if metadata.error is not None:
                raise RuntimeError(f"topic {name}: {metadata.error}")
            for partition in metadata.partitions:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(name, partition), timeout=_METADATA_TIMEOUT_S
                )
                positions.append(TopicPartition(name, partition, max(low, high - self._start_back)))
        consumer.assign(positions)

    def handle(self, consumer: KafkaConsumer, messages: list[Message]) -> None:
        """Keep the raw records; decode and hand them over while someone watches."""
        fresh: list[RawRecord] = []
        for message in messages:
            error = message.error()
            if error is not None:
                if is_fatal(error):
                    raise FatalConsumerError(f"fatal consumer error: {error}")
                if error.code() != KafkaError._PARTITION_EOF:
                    _log.warning("history reader: %s (librdkafka retries)", error)
                continue
            value = message.value()
            if value is None:
                continue
            _kind, timestamp_ms = message.timestamp()
            fresh.append(
                RawRecord(
                    message.topic() or "",
                    message.partition() or 0,
                    message.offset() or 0,
                    max(timestamp_ms or 0, 0),
                    message.key(),
                    value,
                )
            )
        self._ring.extend(fresh)
        self.received += len(fresh)
        if fresh and self._watched():
            events = self.decode_all(fresh)
            if events:
                self._loop.call_soon_threadsafe(self._on_events, events)

    def snapshot(self) -> list[RawRecord]:
        """The ring's records, oldest first (log order per partition)."""
        return list(self._ring)

    def decode(self, raw: RawRecord) -> LoggedEvent | None:
        """The record, or None (logged) when it cannot be decoded. Blocking on a new
        schema id (registry); thread-safe."""
        topic = self._topics[raw.topic]
        try:
            record = self._serde.deserialize(topic, raw.value)
            schema_id = schema_id_of(raw.value)
        except UndecodableRecord as exc:
            self.undecodable += 1
            _log.warning(
                "history reader skips %s/%d/%d: %s", raw.topic, raw.partition, raw.offset, exc
            )
            return None
        return LoggedEvent(
            raw.topic, raw.partition, raw.offset, raw.timestamp_ms, schema_id, record
        )

    def decode_all(self, raws: Sequence[RawRecord]) -> list[LoggedEvent]:
        """The decodable records of ``raws``, in the same order."""
        return [event for raw in raws if (event := self.decode(raw)) is not None]
