"""What the command handler needs of its storage: one transaction per batch, with the four
operations that decide it, and the question asked once per assigned partition.

`command_handler.storage.postgres` is the adapter; tests also run the handler against an
in-memory one that implements these same protocols (tests/support/memory_store.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias

from command_handler.domain import (
    Account,
    BatchDecision,
    Command,
    CreationFeedback,
    TransferFeedback,
)
from command_handler.storage.answers import MessageSource, StoredAnswer
from topology.records import BalanceChanged

__all__ = ["BatchTransaction", "ChangeNumbers", "CommandStore", "StoredAnswers"]

#: Each new balance change's `decided` number, by (command id, its index among the
#: command's changes): the account's decided order, which every BalanceChanged carries.
ChangeNumbers: TypeAlias = dict[tuple[uuid.UUID, int], int]


@dataclass(slots=True)
class StoredAnswers:
    """The answers stored before this batch, by command id, per command kind."""

    transfers: dict[uuid.UUID, StoredAnswer[TransferFeedback]] = field(default_factory=dict)
    creations: dict[uuid.UUID, StoredAnswer[CreationFeedback]] = field(default_factory=dict)


class BatchTransaction(Protocol):
    """One open transaction: everything it reads stays locked until it ends."""

    def lock_accounts(self, ibans: Collection[str]) -> dict[str, Account]:
        """Lock and read the existing accounts among `ibans` (others are not returned)."""

    def load_answers(
        self, transfer_ids: Collection[uuid.UUID], creation_ids: Collection[uuid.UUID]
    ) -> StoredAnswers:
        """The answers stored for these command ids, per kind."""

    def load_balance_changes(self, command_ids: Collection[uuid.UUID]) -> list[BalanceChanged]:
        """Every BalanceChanged these transfers caused, in the order they were decided, each
        with its `decided` number."""

    def write_decision(
        self,
        commands: Sequence[Command],
        sources: Sequence[MessageSource],
        decision: BatchDecision,
    ) -> ChangeNumbers:
        """Write what `decision` decided for `commands` (read from `sources`, index by
        index): new accounts, final balances, new answers and every balance change; return
        the numbers the changes got, in the order they were decided."""


class CommandStore(Protocol):
    """The handler's state. Every method raises only `storage.errors` exceptions."""

    def transaction(self) -> AbstractContextManager[BatchTransaction]:
        """A transaction, committed when the block ends and rolled back if it raises."""

    def last_stored_offsets(self, committed: Mapping[int, int]) -> dict[int, int]:
        """Per partition of `committed` (partition → the group's committed offset), the
        offset of the last money transfer at or beyond it with a stored answer: decided and
        committed here, but maybe never published. Partitions without one are absent."""

    def close(self) -> None:
        """Release the connection (idempotent)."""
