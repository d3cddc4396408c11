"""Route what the command handler published to the waiting requests and the hub.

Runs on the event loop; the Kafka thread hands over decoded batches with
``call_soon_threadsafe``. Pure translation, no I/O: unit-tested without Kafka.
"""

from collections.abc import Iterable
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

__all__ = ["Delivered", "FeedbackRouter", "transaction_view", "transfer_outcome"]


@dataclass(frozen=True, slots=True)
class Delivered:
    """A decoded record with the Kafka coordinates it was read at."""

    topic: str
    partition: int
    offset: int
    record: Record


def transaction_view(record: BalanceChanged, partition: int, offset: int) -> TransactionView:
    """The stored/streamed form of one BalanceChanged (id from its coordinates)."""
    return TransactionView(
        id=transaction_id(partition, offset, BALANCE_CHANGED.partitions),
        iban=record.iban,
        new_balance_cents=record.new_balance,
        changed_by_cents=record.changed_by,
        from_to=record.from_to,
        description=record.description,
    )


def transfer_outcome(record: MoneyTransferConfirmed | MoneyTransferFailed) -> TransferOutcome:
    """The backend's form of the handler's answer to a money transfer."""
    if isinstance(record, MoneyTransferConfirmed):
        return TransferOutcome(record.id, success=True)
    return TransferOutcome(record.id, success=False, reason=record.reason)


class FeedbackRouter:
    """Resolves pending requests and feeds the transaction hub."""

    def __init__(
        self,
        accounts: PendingResults[UUID, AccountOutcome],
        transfers: PendingResults[UUID, TransferOutcome],
        hub: TransactionHub,
    ) -> None:
        self._accounts = accounts
        self._transfers = transfers
        self._hub = hub

    def route(self, batch: Iterable[Delivered]) -> None:
        """Handle every record of ``batch`` in order."""
        for delivered in batch:
            record = delivered.record
            if isinstance(record, BalanceChanged):
                self._hub.publish(transaction_view(record, delivered.partition, delivered.offset))
            elif isinstance(record, MoneyTransferConfirmed | MoneyTransferFailed):
                self._transfers.resolve(record.id, transfer_outcome(record))
            elif isinstance(record, AccountCreationConfirmed):
                self._accounts.resolve(
                    record.id, AccountOutcome(iban=record.iban, token=record.token)
                )
            elif isinstance(record, AccountCreationFailed):
                self._accounts.resolve(record.id, AccountOutcome(reason=record.reason))
