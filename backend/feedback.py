"""Route what the command handler published to the waiting requests and the hub.

Runs on the event loop; the Kafka thread hands over decoded batches with
``call_soon_threadsafe``. Pure translation, no I/O: unit-tested without Kafka.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from backend.hub import TransactionHub
from backend.outcomes import AccountOutcome, TransactionView, TransferOutcome
from backend.pending import PendingResults
from backend.transaction_ids import transaction_id
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)
from topology.topics import BALANCE_CHANGED

__all__ = [
    "Delivered",
    "FeedbackRouter",
    "StageObserver",
    "transaction_view",
    "transfer_outcome",
]

StageObserver = Callable[[str, float], None]
"""Receives (stage name, seconds) of one answered transfer; see ``FeedbackRouter``."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """A decoded record with the Kafka coordinates it was read at."""

    topic: str
    partition: int
    offset: int
    record: Record
    #: The record's Kafka timestamp (its producer's create time), ms since the epoch.
    produced_ms: int = 0
    #: When our consumer thread polled it, seconds since the epoch.
    polled_at: float = 0.0
    #: The W3C trace context it came with (sampled only), see ``backend.tracing``.
    traceparent: str | None = None


def transaction_view(
    record: BalanceChanged,
    partition: int,
    offset: int,
    produced_ms: int = 0,
    traceparent: str | None = None,
) -> TransactionView:
    """The stored/streamed form of one BalanceChanged (id from its coordinates).

    ``produced_ms`` is the event's Kafka timestamp (0: none); it becomes ``changed_at_ms``.
    """
    return TransactionView(
        id=transaction_id(partition, offset, BALANCE_CHANGED.partitions),
        iban=record.iban,
        new_balance_cents=record.new_balance,
        changed_by_cents=record.changed_by,
        from_to=record.from_to,
        description=record.description,
        changed_at_ms=produced_ms or None,
        traceparent=traceparent,
        decided=record.decided,
    )


def transfer_outcome(record: MoneyTransferConfirmed | MoneyTransferFailed) -> TransferOutcome:
    """The backend's form of the handler's answer to a money transfer."""
    if isinstance(record, MoneyTransferConfirmed):
        return TransferOutcome(record.id, success=True)
    return TransferOutcome(record.id, success=False, reason=record.reason)


class FeedbackRouter:
    """Resolves pending requests and feeds the transaction hub.

    For each transfer answered here, ``on_stage`` gets where its time went (seconds):
    ``handler`` from publishing the command to the handler producing the answer (our
    produce, Kafka, the handler's work), ``kafka_back`` from then to our consumer thread
    polling it (the handler's transaction commit and the fetch), ``handoff`` from that
    thread to this loop (``call_soon_threadsafe`` and whatever the loop was busy with).
    """

    def __init__(
        self,
        accounts: PendingResults[UUID, AccountOutcome],
        transfers: PendingResults[UUID, TransferOutcome],
        hub: TransactionHub,
        on_stage: StageObserver | None = None,
    ) -> None:
        self._accounts = accounts
        self._transfers = transfers
        self._hub = hub
        self._on_stage = on_stage

    def route(self, batch: Iterable[Delivered]) -> None:
        """Handle every record of ``batch`` in order."""
        for delivered in batch:
            record = delivered.record
            if isinstance(record, BalanceChanged):
                self._hub.publish(
                    transaction_view(
                        record,
                        delivered.partition,
                        delivered.offset,
                        delivered.produced_ms,
                        traceparent=delivered.traceparent,
                    )
                )
            elif isinstance(record, MoneyTransferConfirmed | MoneyTransferFailed):
                if self._on_stage is not None:
                    self._observe_stages(delivered, self._transfers.sent_at(record.id))
                self._transfers.resolve(record.id, transfer_outcome(record))
            elif isinstance(record, AccountCreationConfirmed):
                self._accounts.resolve(
                    record.id, AccountOutcome(iban=record.iban, token=record.token)
                )
            elif isinstance(record, AccountCreationFailed):
                self._accounts.resolve(record.id, AccountOutcome(reason=record.reason))

    def _observe_stages(self, delivered: Delivered, sent_at: float | None) -> None:
        if sent_at is None or not delivered.produced_ms or not delivered.polled_at:
            return  # another instance's request, or coordinates unknown
        assert self._on_stage is not None  # checked by the caller
        produced = delivered.produced_ms / 1000
        self._on_stage("handler", produced - sent_at)
        self._on_stage("kafka_back", delivered.polled_at - produced)
        self._on_stage("handoff", time.time() - delivered.polled_at)
