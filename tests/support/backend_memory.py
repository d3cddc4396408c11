"""In-memory adapters of the ports, for tests.

``InMemoryCommandHandler`` stands in for Kafka *and* the command handler: it
answers commands on the next loop iteration, following the rules of SPEC §3
closely enough for the API's tests (tokens, limit, same account, unknown accounts).
"""

import asyncio
import itertools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import strawberry
from argon2 import PasswordHasher

from backend.accounts import AccountService
from backend.api import build_schema
from backend.api.context import ApiContext, ApiLimits
from backend.hub import TransactionHub
from backend.outcomes import AccountOutcome, TransactionView, TransferCommand, TransferOutcome
from backend.passwords import PasswordHashing
from backend.pending import PendingResults
from backend.ports import AccountRecord
from backend.transfers import TransferService

__all__ = [
    "InMemoryAccountStore",
    "InMemoryBank",
    "InMemoryCommandHandler",
    "InMemoryTransactionStore",
    "in_memory_bank",
]

_LIMIT_CENTS = -50_000


class InMemoryAccountStore:
    """``AccountStore`` over a dict."""

    def __init__(self) -> None:
        self._by_username: dict[str, AccountRecord] = {}

    async def find(self, username: str) -> AccountRecord | None:
        return self._by_username.get(username)

    async def add(self, record: AccountRecord) -> AccountRecord:
        return self._by_username.setdefault(record.username, record)

    async def remove(self, record: AccountRecord) -> None:
        if self._by_username.get(record.username) == record:
            del self._by_username[record.username]


class InMemoryTransactionStore:
    """``TransactionStore`` over lists and dicts."""

    def __init__(self) -> None:
        self.transactions: dict[int, TransactionView] = {}
        self.results: dict[UUID, TransferOutcome] = {}

    def add_transaction(self, transaction: TransactionView) -> None:
        self.transactions.setdefault(transaction.id, transaction)

    def add_result(self, outcome: TransferOutcome) -> None:
        self.results.setdefault(outcome.uuid, outcome)

    async def by_id(self, transaction_id: int) -> TransactionView | None:
        return self.transactions.get(transaction_id)

    async def by_iban(
        self, iban: str, limit: int, before_id: int | None = None
    ) -> Sequence[TransactionView]:
        rows = sorted(
            (t for t in self.transactions.values() if t.iban == iban),
            key=lambda t: t.id,
            reverse=True,
        )
        if before_id is not None:
            rows = [t for t in rows if t.id < before_id]
        return rows[:limit]

    async def last_per_iban(self) -> Sequence[TransactionView]:
        last: dict[str, TransactionView] = {}
        for transaction in sorted(self.transactions.values(), key=lambda t: t.id):
            last[transaction.iban] = transaction
        return [last[iban] for iban in sorted(last)]

    async def transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        return self.results.get(command_id)


class InMemoryCommandHandler:
    """``CommandPublisher`` that decides commands itself and feeds the results back."""

    def __init__(
        self,
        accounts: PendingResults[UUID, AccountOutcome],
        transfers: PendingResults[UUID, TransferOutcome],
        store: InMemoryTransactionStore,
        hub: TransactionHub,
    ) -> None:
        self._account_results = accounts
        self._transfer_results = transfers
        self._store = store
        self._hub = hub
        self._opened: dict[UUID, AccountOutcome] = {}
        self._balances: dict[str, int] = {}
        self._tokens: dict[str, str] = {}
        self._decided: dict[UUID, TransferOutcome] = {}
        self._ids = itertools.count(1)
        self._iban_digits = itertools.count(1)
        self.sent: list[UUID | TransferCommand] = []
        self.silent = False

    def send_account_creation(self, command_id: UUID) -> None:
        self.sent.append(command_id)
        if self.silent:
            return
        outcome = self._opened.get(command_id)
        if outcome is None:
            digits = f"{next(self._iban_digits):010d}"
            check = 98 - int("24251423" + digits + "232100") % 97
            iban = f"NL{check:02d}OPEN{digits}"
            token = f"{secrets.randbelow(10**20):020d}"
            outcome = AccountOutcome(iban=iban, token=token)
            self._opened[command_id] = outcome
            self._balances[iban] = 0
            self._tokens[iban] = token
        asyncio.get_running_loop().call_soon(self._account_results.resolve, command_id, outcome)

    def send_money_transfer(self, command: TransferCommand) -> None:
        self.sent.append(command)
        if self.silent:
            return
        outcome = self._decided.get(command.uuid)
        if outcome is None:
            outcome = self._decide(command)
            self._decided[command.uuid] = outcome
            self._store.add_result(outcome)
        asyncio.get_running_loop().call_soon(self._transfer_results.resolve, command.uuid, outcome)

    def _decide(self, command: TransferCommand) -> TransferOutcome:
        def refuse(reason: str) -> TransferOutcome:
            return TransferOutcome(command.uuid, success=False, reason=reason)

        from_known = command.from_ in self._balances
        to_known = command.to in self._balances
        if command.from_ == command.to:
            return refuse("from and to can't be same for transfer")
        if from_known and self._tokens[command.from_] != command.token:
            return refuse("invalid token")
        if from_known and self._balances[command.from_] - command.amount_cents < _LIMIT_CENTS:
            return refuse("insufficient funds")
        if not from_known and not to_known:
            return refuse("both to and from not known at this bank")
        if from_known:
            self._change(command.from_, -command.amount_cents, command.to, command.description)
        if to_known:
            self._change(command.to, command.amount_cents, command.from_, command.description)
        return TransferOutcome(command.uuid, success=True)

    def _change(self, iban: str, cents: int, counterparty: str, description: str) -> None:
        self._balances[iban] += cents
        transaction = TransactionView(
            id=next(self._ids),
            iban=iban,
            new_balance_cents=self._balances[iban],
            changed_by_cents=cents,
            from_to=counterparty,
            description=description,
        )
        self._store.add_transaction(transaction)
        self._hub.publish(transaction)


@dataclass
class InMemoryBank:
    """The whole API wired to in-memory adapters: schema, context and the fakes."""

    schema: strawberry.Schema
    context: ApiContext
    handler: InMemoryCommandHandler
    store: InMemoryTransactionStore
    accounts: InMemoryAccountStore
    hub: TransactionHub


def in_memory_bank(
    *,
    hasher: PasswordHasher | None = None,
    timeout_ms: int = 1000,
    max_pending: int = 100,
    queue_size: int = 100,
    limits: ApiLimits | None = None,
    lookup_after_ms: int = 50,
) -> InMemoryBank:
    """Build the API over fakes (tests pass cheap argon2 parameters as ``hasher``)."""
    account_results: PendingResults[UUID, AccountOutcome] = PendingResults(
        timeout_ms=timeout_ms, max_pending=max_pending
    )
    transfer_results: PendingResults[UUID, TransferOutcome] = PendingResults(
        timeout_ms=timeout_ms, max_pending=max_pending
    )
    store = InMemoryTransactionStore()
    accounts = InMemoryAccountStore()
    hub = TransactionHub(queue_size=queue_size)
    handler = InMemoryCommandHandler(account_results, transfer_results, store, hub)
    context = ApiContext(
        accounts=AccountService(accounts, handler, account_results, PasswordHashing(hasher)),
        transfers=TransferService(
            store, handler, transfer_results, lookup_after_ms=lookup_after_ms
        ),
        transactions=store,
        hub=hub,
        limits=limits or ApiLimits(),
    )
    return InMemoryBank(build_schema(), context, handler, store, accounts, hub)
