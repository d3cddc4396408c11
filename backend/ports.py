"""The abstract edges of the backend: what the services need from the outside.

Real adapters live in ``backend.kafka_bridge`` and ``backend.storage``; the
in-memory ones in ``tests/support/backend_memory.py`` implement the same protocols
for tests.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from backend.outcomes import TransactionView, TransferCommand, TransferOutcome

__all__ = [
    "AccountRecord",
    "AccountStore",
    "CommandPublisher",
    "TransactionStore",
]


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A login: the username, its argon2 hash and the command id that opened it."""

    username: str
    password_hash: str
    command_id: UUID


class CommandPublisher(Protocol):
    """Sends commands to the command handler; never blocks the event loop.

    A failure to deliver is reported to the waiting request (``PendingResults.fail``)
    by the adapter, not raised here.
    """

    def send_account_creation(self, command_id: UUID) -> None:
        """Publish ConfirmAccountCreation (a_type MANUAL) with ``command_id``."""
        ...

    def send_money_transfer(self, command: TransferCommand) -> None:
        """Publish ConfirmMoneyTransfer for ``command``."""
        ...


class AccountStore(Protocol):
    """The backend's own logins (username → hash, command id)."""

    async def find(self, username: str) -> AccountRecord | None:
        """The login of ``username``, if registered."""
        ...

    async def add(self, record: AccountRecord) -> AccountRecord:
        """Insert ``record``; if the username exists already, return the existing one."""
        ...

    async def remove(self, record: AccountRecord) -> None:
        """Delete exactly ``record`` (used when the handler refused to open it)."""
        ...


class TransactionStore(Protocol):
    """The backend's copy of every BalanceChanged and every transfer result."""

    async def by_id(self, transaction_id: int) -> TransactionView | None:
        """One transaction, or ``None``."""
        ...

    async def by_iban(
        self, iban: str, limit: int, before_id: int | None = None
    ) -> Sequence[TransactionView]:
        """Newest first, at most ``limit``, only ids below ``before_id`` if given."""
        ...

    async def as_of(self, iban: str, at: datetime, limit: int) -> Sequence[TransactionView]:
        """``iban``'s newest ``limit`` transactions that had happened at ``at``, newest first
        (the first one's balance is the account's balance then)."""
        ...

    async def last_per_iban(self) -> Sequence[TransactionView]:
        """The newest transaction of every account, ordered by iban."""
        ...

    async def transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        """The feedback the handler gave to ``command_id``, once stored."""
        ...
