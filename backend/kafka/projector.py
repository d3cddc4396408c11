"""The projector: every BalanceChanged and transfer result into the backend's tables.

A stable consumer group (offsets survive restarts, instances share partitions).
Per batch: decode, write in one database transaction, *then* store the offsets
(librdkafka commits stored offsets in the background). A crash between the two
replays the batch, and the idempotent inserts make the replay harmless.
"""

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from sqlalchemy.exc import SQLAlchemyError

from backend.feedback import transaction_view, transfer_outcome
from backend.kafka.consumer_thread import ConsumerThread, KafkaConsumer
from backend.kafka.decoding import decode_batch
from backend.outcomes import TransactionView, TransferOutcome
from topology.offsets import next_offsets
from topology.records import BalanceChanged, MoneyTransferConfirmed, MoneyTransferFailed
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["PROJECTED_TOPICS", "ProjectionSink", "Projector", "project_batch"]

_log = logging.getLogger(__name__)
_RETRY_S = 1.0

#: The topics the read model is projected from, by name.
PROJECTED_TOPICS = {t.name: t for t in (BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK)}


class ProjectionSink(Protocol):
    """Where a batch goes: ``backend.storage.writer.ProjectionWriter`` (one transaction)."""

    def write(
        self, transactions: Sequence[TransactionView], results: Sequence[TransferOutcome]
    ) -> None: ...


class Projector(ConsumerThread):
    """Thread-driven, batch-writing consumer of balance_changed and transfer feedback."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        writer: ProjectionSink,
        *,
        batch_size: int,
        batch_wait_ms: int,
        on_crash: Callable[[BaseException], None],
        consumer_factory: Callable[[dict[str, Any]], KafkaConsumer] = Consumer,
    ) -> None:
        """A batch is up to ``batch_size`` records gathered for at most ``batch_wait_ms``."""
        super().__init__(
            config,
            name="backend-projector",
            drain_max=batch_size - 1,
            drain_wait_s=batch_wait_ms / 1000,
            on_crash=on_crash,
            consumer_factory=consumer_factory,
        )
        self._serde = serde
        self._writer = writer
        self.rows_written = 0
        self.batches_written = 0
        #: Why the last batch could not be written (the database), until one is.
        self.write_error: str | None = None

    def begin(self, consumer: KafkaConsumer) -> None:
        """Join the group: partitions are shared with the other instances."""
        consumer.subscribe(list(PROJECTED_TOPICS))

    def handle(self, consumer: KafkaConsumer, messages: list[Message]) -> None:
        """Write the batch's rows in one transaction, then store its offsets."""
        transactions, results = project_batch(messages, self._serde)
        while not self.stopping:
            try:
                self._writer.write(transactions, results)
                break
            except SQLAlchemyError as exc:
                # The database is an infrastructure dependency: keep the offsets
                # unstored and retry the same batch until it comes back.
                self.write_error = f"projector's write failed: {type(exc).__name__}"
                _log.error("projector write failed, retrying in %.0f s: %s", _RETRY_S, exc)
                time.sleep(_RETRY_S)
        else:
            return
        self.write_error = None
        self.rows_written += len(transactions) + len(results)
        self.batches_written += 1
        _store_owned_offsets(consumer, messages)


def project_batch(
    messages: Sequence[Message], serde: RecordSerde
) -> tuple[list[TransactionView], list[TransferOutcome]]:
    """The rows a batch of projected-topic messages becomes (``replay`` uses it too)."""
    delivered, _skipped = decode_batch(messages, serde, PROJECTED_TOPICS)
    transactions: list[TransactionView] = []
    results: list[TransferOutcome] = []
    for item in delivered:
        record = item.record
        if isinstance(record, BalanceChanged):
            transactions.append(
                transaction_view(record, item.partition, item.offset, item.produced_ms)
            )
        elif isinstance(record, MoneyTransferConfirmed | MoneyTransferFailed):
            results.append(transfer_outcome(record))
    return transactions, results


def _store_owned_offsets(consumer: KafkaConsumer, messages: list[Message]) -> None:
    """Store the batch's offsets of the partitions this instance still owns.

    Another instance joining or leaving the group can take partitions away while a
    batch is written. Their rows are written, and their new owner replays them from the
    last commit, which the idempotent inserts make harmless; storing their offsets would
    fail with ``_STATE`` and end the thread (and so the process).
    """
    owned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
    offsets = [tp for tp in next_offsets(messages) if (tp.topic, tp.partition) in owned]
    if not offsets:
        return
    try:
        consumer.store_offsets(offsets=offsets)
    except KafkaException as exc:
        # Revoked between assignment() and here: the same case, one step later.
        if exc.args[0].code() != KafkaError._STATE:
            raise
        _log.info("partitions revoked while storing offsets; their new owner replays them")
