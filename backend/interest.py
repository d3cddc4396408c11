"""Which live records this instance needs: decided from a message's topic and key alone.

The live feed reads every feedback and balance change of the whole bank (any instance
may have sent the command), but only answers to requests waiting *here* and changes of
accounts someone *here* streams are used. Deciding from the Kafka key, before decoding,
keeps background load (thousands of messages per second from the command generator)
from costing the backend Avro decoding in a thread that competes with the event loop
for the GIL. Pure: no I/O; called from the live feed's thread.
"""

from uuid import UUID

from backend.hub import TransactionHub
from backend.outcomes import AccountOutcome, TransferOutcome
from backend.pending import PendingResults
from topology.topics import ACCOUNT_CREATION_FEEDBACK, BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["LiveInterest"]


class LiveInterest:
    """``wants(topic, key)``: decode this message? Unknown shapes are always decoded."""

    def __init__(
        self,
        accounts: PendingResults[UUID, AccountOutcome],
        transfers: PendingResults[UUID, TransferOutcome],
        hub: TransactionHub,
    ) -> None:
        self._pending: dict[
            str, PendingResults[UUID, AccountOutcome] | PendingResults[UUID, TransferOutcome]
        ] = {
            ACCOUNT_CREATION_FEEDBACK.name: accounts,
            MONEY_TRANSFER_FEEDBACK.name: transfers,
        }
        self._hub = hub

    def wants(self, topic: str, key: bytes | None) -> bool:
        """False only when the key proves nobody here needs the record."""
        if key is None:
            return True
        if topic == BALANCE_CHANGED.name:  # keyed by iban
            return self._hub.wants_iban(key.decode("utf-8", "replace"))
        pending = self._pending.get(topic)
        if pending is None:
            return True
        try:  # keyed by command id
            command_id = UUID(key.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return True
        return pending.is_pending(command_id)
