"""The projector: every BalanceChanged and transfer result into the backend's tables.

A stable consumer group (offsets survive restarts, instances share partitions).
Per batch: decode, write in one database transaction, *then* store the offsets
(librdkafka commits stored offsets in the background). A crash between the two
replays the batch, and the idempotent inserts make the replay harmless.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition
from sqlalchemy.exc import SQLAlchemyError

from backend.feedback import transaction_view, transfer_outcome
from backend.kafka.decoding import decode_batch
from backend.outcomes import TransactionView, TransferOutcome
from backend.storage.writer import ProjectionWriter
from topology.records import BalanceChanged, MoneyTransferConfirmed, MoneyTransferFailed
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["Projector"]

_log = logging.getLogger(__name__)
_RETRY_S = 1.0


class Projector:
    """Thread-driven, batch-writing consumer of balance_changed and transfer feedback."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        writer: ProjectionWriter,
        *,
        batch_size: int,
        batch_wait_ms: int,
        on_crash: Callable[[BaseException], None],
    ) -> None:
        """``on_crash`` is called from the projector's thread if it stops for good."""
        self._on_crash = on_crash
        self._config = config
        self._serde = serde
        self._writer = writer
        self._batch_size = batch_size
        self._batch_wait_s = batch_wait_ms / 1000
        self._topics = {t.name: t for t in (BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK)}
        self._stopping = threading.Event()
        self.rows_written = 0
        self.batches_written = 0
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="backend-projector", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the current batch; the consumer commits what was stored."""
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
            consumer.subscribe(list(self._topics))
            while not self._stopping.is_set():
                first = consumer.poll(0.1)
                if first is None:
                    continue
                messages = [first, *consumer.consume(self._batch_size - 1, self._batch_wait_s)]
                self._project(consumer, messages)
        except Exception as exc:  # noqa: BLE001 - reported to the app, which stops loudly
            _log.exception("projector stopped")
            self.last_error = "projector thread crashed, see the log"
            self._on_crash(exc)
        finally:
            consumer.close()

    def _project(self, consumer: Consumer, messages: list[Message]) -> None:
        delivered, _skipped = decode_batch(messages, self._serde, self._topics)
        transactions: list[TransactionView] = []
        results: list[TransferOutcome] = []
        for item in delivered:
            record = item.record
            if isinstance(record, BalanceChanged):
                transactions.append(transaction_view(record, item.partition, item.offset))
            elif isinstance(record, MoneyTransferConfirmed | MoneyTransferFailed):
                results.append(transfer_outcome(record))
        while not self._stopping.is_set():
            try:
                self._writer.write(transactions, results)
                break
            except SQLAlchemyError as exc:
                # The database is an infrastructure dependency: keep the offsets
                # unstored and retry the same batch until it comes back.
                self.last_error = f"database write failed: {type(exc).__name__}"
                _log.error("projector write failed, retrying in %.0f s: %s", _RETRY_S, exc)
                time.sleep(_RETRY_S)
        else:
            return
        self.last_error = None
        self.rows_written += len(transactions) + len(results)
        self.batches_written += 1
        consumer.store_offsets(offsets=_next_offsets(messages))


def _next_offsets(messages: list[Message]) -> list[TopicPartition]:
    """One offset per partition: just after the last message read there."""
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        if message.error() is None:
            key = (message.topic() or "", message.partition() or 0)
            last[key] = max(last.get(key, -1), message.offset() or 0)
    return [
        TopicPartition(topic, partition, offset + 1) for (topic, partition), offset in last.items()
    ]
