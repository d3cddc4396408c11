"""Read topics from their beginning to the end they had when asked, committing nothing.

The consumer is assigned its partitions (no group membership, no rebalance) and never
commits, so the services' consumer groups and positions are untouched. It reads committed
records only (librdkafka's default ``read_committed``): an aborted transaction's records
never count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from topology.kafka_errors import is_fatal
from topology.topics import Topic

__all__ = ["LogReader", "LogStalledError", "committed_offsets"]

_TIMEOUT_S = 10.0
_BATCH = 10_000
# Longer than a transaction can keep a partition's readable end back (the brokers abort one
# 45 s after its start and look every 10 s), so only a reader that cannot read stalls this long.
_STALL_S = 90.0


class LogStalledError(RuntimeError):
    """No partition moved towards its end for a while: the message says where each stands."""


class LogReader:
    """Batches of ``topics``' records, from offset 0 up to ``ends`` (``read_on`` moves them)."""

    def __init__(
        self, config: dict[str, Any], topics: Sequence[Topic], *, stall_s: float = _STALL_S
    ) -> None:
        """``config``: a consumer config (``topology.clients.consumer_config``); ``stall_s``:
        how long reading may go without moving any partition before it raises LogStalledError."""
        self._consumer = Consumer(
            {**config, "enable.auto.commit": False, "enable.partition.eof": True}
        )
        self._partitions = [
            TopicPartition(topic.name, partition, OFFSET_BEGINNING)
            for topic in topics
            for partition in range(topic.partitions)
        ]
        self.ends: dict[tuple[str, int], int] = {}
        self.positions: dict[tuple[str, int], int] = {}
        #: Offset of the last record read per partition (a commit marker may follow it).
        self.last_records: dict[tuple[str, int], int] = {}
        self.records = 0
        #: The last error the consumer reported per partition (librdkafka retries these).
        self.errors: dict[tuple[str, int], str] = {}
        self._stall_s = stall_s
        self._assigned = False
        # Records read past an end: kept for ``read_on``, which moves the ends beyond them.
        self._ahead: list[Message] = []

    def snapshot_ends(self) -> dict[tuple[str, int], int]:
        """Take every partition's current end (high watermark) as where reading stops."""
        for tp in self._partitions:
            _low, high = self._consumer.get_watermark_offsets(tp, timeout=_TIMEOUT_S)
            self.ends[(tp.topic, tp.partition)] = high
        return dict(self.ends)

    def batches(self) -> Iterator[list[Message]]:
        """Every record before ``ends`` not yet read, in batches (per partition in order)."""
        if not self.ends:
            self.snapshot_ends()
        if not self._assigned:
            self._consumer.assign(self._partitions)
            self._assigned = True
        held, self._ahead = self._ahead, []
        moved = time.monotonic()
        while held or not self._done():
            messages = held or self._consumer.consume(num_messages=_BATCH, timeout=0.2)
            held = []
            batch: list[Message] = []
            before = self._remaining()
            for message in messages:
                error = message.error()
                key = (message.topic() or "", message.partition() or 0)
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        # At the end: past any commit marker the watermark counted.
                        self.positions[key] = max(self.positions.get(key, 0), message.offset() or 0)
                        continue
                    if is_fatal(error):
                        raise RuntimeError(f"fatal consumer error: {error}")
                    self.errors[key] = str(error)
                    continue
                offset = message.offset() or 0
                # max: a record held from an earlier call comes after the end-of-partition
                # event that passed it, and librdkafka reports that end only once.
                self.positions[key] = max(self.positions.get(key, 0), offset + 1)
                if offset < self.ends.get(key, 0):
                    batch.append(message)
                    self.last_records[key] = offset
                else:
                    self._ahead.append(message)
            if self._remaining() < before:
                moved = time.monotonic()
            elif time.monotonic() - moved > self._stall_s:
                raise LogStalledError(self._behind())
            if batch:
                self.records += len(batch)
                yield batch

    def read_to(self, ends: Mapping[tuple[str, int], int]) -> Iterator[list[Message]]:
        """Move the ends to ``ends`` (e.g. a group's committed offsets; never backwards)
        and read what lies before them."""
        for key, end in ends.items():
            self.ends[key] = max(end, self.ends.get(key, 0))
        yield from self.batches()

    def read_on(self) -> Iterator[list[Message]]:
        """Move the ends to now and read what was added since."""
        self.snapshot_ends()
        yield from self.batches()

    def _done(self) -> bool:
        return self._remaining() == 0

    def _remaining(self) -> int:
        """Offsets still to pass before the ends: records elsewhere do not count as moving."""
        return sum(max(0, end - self.positions.get(key, 0)) for key, end in self.ends.items())

    def _behind(self) -> str:
        behind = [
            f"{topic}[{partition}] read to {self.positions.get((topic, partition), 0)} of "
            f"{end}" + (f" ({error})" if (error := self.errors.get((topic, partition))) else "")
            for (topic, partition), end in sorted(self.ends.items())
            if self.positions.get((topic, partition), 0) < end
        ]
        elsewhere = [error for key, error in sorted(self.errors.items()) if key not in self.ends]
        return f"no partition moved in {self._stall_s:.0f} s: " + "; ".join(behind + elsewhere)

    def close(self) -> None:
        """Leave without committing anything."""
        self._consumer.close()


def committed_offsets(
    config: dict[str, Any], group: str, topics: Sequence[Topic]
) -> dict[tuple[str, int], int]:
    """Where consumer group ``group`` stands (offsets it committed; -1 where none), read
    without joining it."""
    consumer = Consumer({**config, "group.id": group, "enable.auto.commit": False})
    try:
        asked = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
        found = consumer.committed(asked, timeout=_TIMEOUT_S)
        return {(tp.topic, tp.partition): tp.offset for tp in found}
    finally:
        consumer.close()
