"""One librdkafka consumer driven by its own thread: what the live feed and projector share.

librdkafka calls block, so a consumer never runs on the event loop. The thread
polls one message (waking as soon as one arrives), drains up to ``drain_max`` more
within ``drain_wait_s`` and hands the batch to ``handle``. Any exception ends the
thread and is reported through ``on_crash``: the app then stops loudly instead of
serving without its consumer.
"""

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

from confluent_kafka import Consumer, Message, TopicPartition

__all__ = ["ConsumerThread", "KafkaConsumer"]

_log = logging.getLogger(__name__)
#: How long one poll waits when nothing arrives; bounds how late ``stop`` is noticed (s).
_POLL_S = 0.1


class KafkaConsumer(Protocol):
    """What the threads use of ``confluent_kafka.Consumer`` (a fake implements it in tests)."""

    def poll(self, timeout: float) -> Message | None: ...

    def consume(self, num_messages: int, timeout: float) -> list[Message]: ...

    def assign(self, partitions: list[TopicPartition]) -> None: ...

    def subscribe(self, topics: list[str]) -> None: ...

    def assignment(self) -> list[TopicPartition]: ...

    def store_offsets(self, *, offsets: list[TopicPartition]) -> None: ...

    def list_topics(self, topic: str, timeout: float) -> Any: ...

    def get_watermark_offsets(
        self, partition: TopicPartition, timeout: float
    ) -> tuple[int, int]: ...

    def close(self) -> None: ...


class ConsumerThread(ABC):
    """Start, stop and the poll loop; subclasses say how to begin and what a batch does."""

    def __init__(
        self,
        config: dict[str, Any],
        *,
        name: str,
        drain_max: int,
        drain_wait_s: float,
        on_crash: Callable[[BaseException], None],
        consumer_factory: Callable[[dict[str, Any]], KafkaConsumer] = Consumer,
    ) -> None:
        """``on_crash`` is called from the thread if it stops for good.

        ``drain_wait_s`` 0 takes only what is already fetched (no added latency);
        more waits to fill a batch of ``drain_max`` + 1.
        """
        self._config = config
        self._name = name
        self._drain_max = drain_max
        self._drain_wait_s = drain_wait_s
        self._on_crash = on_crash
        self._consumer_factory = consumer_factory
        self._stopping = threading.Event()
        #: Why the consumer is unwell (health probe), None while it is fine.
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the current batch and wait for the thread (blocking)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called (a long retry should give up)."""
        return self._stopping.is_set()

    @abstractmethod
    def begin(self, consumer: KafkaConsumer) -> None:
        """Assign or subscribe, in the thread, before the first poll."""

    @abstractmethod
    def handle(self, consumer: KafkaConsumer, messages: list[Message]) -> None:
        """Process one batch (at least one message), in the thread."""

    def _run(self) -> None:
        consumer = self._consumer_factory(self._config)
        try:
            self.begin(consumer)
            while not self._stopping.is_set():
                first = consumer.poll(_POLL_S)
                if first is None:
                    continue
                more = consumer.consume(self._drain_max, self._drain_wait_s)
                self.handle(consumer, [first, *more])
        except Exception as exc:  # noqa: BLE001 - reported to the app, which stops loudly
            _log.exception("%s stopped", self._name)
            self.last_error = f"{self._name} thread crashed, see the log"
            self._on_crash(exc)
        finally:
            consumer.close()
