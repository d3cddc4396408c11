"""An in-memory `CommandStore`: the handler's storage port over dicts, for contract tests of
the port and for running the loop without PostgreSQL.

It keeps PostgreSQL's rules that the handler relies on: one transaction at a time, all or
nothing; a second answer to a command id or a taken iban is a conflict; a balance below its
limit is refused; text holding a NUL character cannot be stored.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from command_handler.domain import (
    DEFAULT_LIMIT_CENTS,
    Account,
    BatchDecision,
    Command,
    TransferOutcome,
)
from command_handler.storage import (
    ChangeNumbers,
    MessageSource,
    StorageConflictError,
    StoredAnswer,
    StoredAnswers,
    UnstorableError,
)
from tests.support.company import COMPANY_TEST_TOKEN
from topology.iban import COMPANY_IBAN
from topology.records import AccountCreationConfirmed, BalanceChanged, ConfirmMoneyTransfer

__all__ = ["MemoryStore"]

COMPANY_START_CENTS = 10**17


@dataclass
class _State:
    accounts: dict[str, Account] = field(default_factory=dict)
    answers: StoredAnswers = field(default_factory=StoredAnswers)
    # command id -> its balance changes, and the order they were decided in.
    changes: dict[uuid.UUID, list[tuple[int, BalanceChanged]]] = field(default_factory=dict)
    decided: int = 0


class MemoryTransaction:
    """`BatchTransaction` over a private copy of the state, kept only on commit."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def lock_accounts(self, ibans: Collection[str]) -> dict[str, Account]:
        return {i: self.state.accounts[i] for i in ibans if i in self.state.accounts}

    def load_answers(
        self, transfer_ids: Collection[uuid.UUID], creation_ids: Collection[uuid.UUID]
    ) -> StoredAnswers:
        answers = self.state.answers
        return StoredAnswers(
            {i: answers.transfers[i] for i in transfer_ids if i in answers.transfers},
            {i: answers.creations[i] for i in creation_ids if i in answers.creations},
        )

    def load_balance_changes(self, command_ids: Collection[uuid.UUID]) -> list[BalanceChanged]:
        found = [c for i in command_ids for c in self.state.changes.get(i, [])]
        return [change for _, change in sorted(found, key=lambda item: item[0])]

    def write_decision(
        self,
        commands: Sequence[Command],
        sources: Sequence[MessageSource],
        decision: BatchDecision,
    ) -> ChangeNumbers:
        state = self.state
        numbers: ChangeNumbers = {}
        for iban in decision.opened:
            if iban in state.accounts:
                raise StorageConflictError(f"iban {iban} exists")
        for iban in decision.changed | set(decision.opened):
            account = decision.accounts[iban]
            if account.balance_cents < account.limit_cents:
                raise StorageConflictError(f"{iban} below its limit")
            state.accounts[iban] = account
        first: dict[uuid.UUID, MessageSource] = {}
        for command, source, outcome in zip(commands, sources, decision.outcomes, strict=True):
            first.setdefault(command.id, source)
            if isinstance(command, ConfirmMoneyTransfer):
                _storable(command.token, command.from_, command.to, command.description)
            if isinstance(outcome, TransferOutcome) and not outcome.replayed:
                for seq, change in enumerate(outcome.changes):
                    state.decided += 1
                    numbered = dataclasses.replace(change, decided=state.decided)
                    state.changes.setdefault(command.id, []).append((state.decided, numbered))
                    numbers[(command.id, seq)] = state.decided
        for command_id, transfer in decision.transfer_answers.items():
            if command_id in state.answers.transfers:
                raise StorageConflictError(f"transfer {command_id} answered")
            stored = StoredAnswer(command_id, transfer, first[command_id])
            state.answers.transfers[command_id] = stored
        for command_id, creation in decision.creation_answers.items():
            if command_id in state.answers.creations:
                raise StorageConflictError(f"creation {command_id} answered")
            if isinstance(creation, AccountCreationConfirmed):
                _storable(creation.iban, creation.token)
            stored_creation = StoredAnswer(command_id, creation, first[command_id])
            state.answers.creations[command_id] = stored_creation
        return numbers


def _storable(*texts: str) -> None:
    if any("\x00" in text for text in texts):
        raise UnstorableError("invalid byte sequence: 0x00")


class MemoryStore:
    """`CommandStore` in memory, seeded like the migrations (the company account, here
    with a test token)."""

    def __init__(self, company_token: str = COMPANY_TEST_TOKEN) -> None:
        self.state = _State()
        self.state.accounts[COMPANY_IBAN] = Account(
            COMPANY_IBAN, company_token, COMPANY_START_CENTS, DEFAULT_LIMIT_CENTS
        )
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            working = copy.deepcopy(self.state)
            yield MemoryTransaction(working)
            self.state = working

    def last_stored_offsets(self, committed: Mapping[int, int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for answer in self.state.answers.transfers.values():
            partition, offset = answer.source
            if partition in committed and offset >= committed[partition]:
                found[partition] = max(found.get(partition, offset), offset)
        return found

    def close(self) -> None:
        """Nothing to release."""
