"""The heartbeat's sending loop: ``batch_size`` beats every ``sleep_ms``, on the event loop.

``Producer.produce`` only queues (librdkafka sends from its own threads) and ``poll(0)``
only runs due delivery callbacks, so neither blocks the loop; the control API shares it.
Each beat's key is the time of its batch (ISO 8601, UTC), as in the original.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from confluent_kafka import KafkaError, Message, Producer

from load.heartbeat.control import LoadControl
from load.heartbeat.pacing import next_deadline
from topology.records import Heartbeat
from topology.topics import HEARTBEAT, Topic

__all__ = ["HeartbeatSender", "HeartbeatSerializer"]

log = logging.getLogger(__name__)


class HeartbeatSerializer(Protocol):
    """``topology.serde.RecordSerde.serialize`` narrowed to heartbeats."""

    def __call__(self, beat: Heartbeat) -> bytes: ...


class HeartbeatSender:
    """Sends the batches ``control`` asks for until ``stop`` is set.

    ``topic`` is ``heartbeat`` except in tests, which use a topic of their own.
    """

    def __init__(
        self,
        producer: Producer,
        serialize: HeartbeatSerializer,
        control: LoadControl,
        clock: Callable[[], float] = time.monotonic,
        topic: Topic = HEARTBEAT,
    ) -> None:
        self._topic = topic
        self._producer = producer
        self._serialize = serialize
        self._control = control
        self._clock = clock

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        # Runs inside poll(0) on the loop's thread, so the counters need no lock.
        if error is None:
            self._control.delivered += 1
        else:
            self._control.failed += 1
            if self._control.failed % 1000 == 1:
                log.warning("heartbeat not delivered: %s (%d so far)", error, self._control.failed)

    def send_batch(self) -> None:
        """Queue one batch; a full local queue drops the rest of the batch, counted failed."""
        key = datetime.now(UTC).isoformat().encode()
        beats = self._control.take_batch()
        for index, beat in enumerate(beats):
            value = self._serialize(Heartbeat(beat=beat))
            try:
                self._producer.produce(
                    self._topic.name, value=value, key=key, on_delivery=self._on_delivery
                )
            except BufferError:
                # librdkafka's queue is full: Kafka cannot keep up. Shedding load here keeps
                # the pace honest; the counter shows the difference between asked and sent.
                self._control.failed += len(beats) - index
                log.warning("producer queue full, dropped %d beats", len(beats) - index)
                break
        self._producer.poll(0)

    async def run(self, stop: asyncio.Event) -> None:
        """Send batches on schedule until ``stop`` is set."""
        deadline = self._clock()
        while not stop.is_set():
            self.send_batch()
            deadline = next_deadline(deadline, self._clock(), self._control.setting.sleep_ms)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, deadline - self._clock()))
