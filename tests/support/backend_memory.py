"""In-memory adapters of the backend's ports, and the whole API wired to them.

``InMemoryCommandHandler`` stands in for Kafka and the command handler together. It keeps no
rules of its own: the handler's domain (``command_handler.domain``) decides every command,
and the backend's own ``FeedbackRouter`` and projection functions carry the answers back, so
the API's tests see the real rules, limit and reason texts.
"""

import asyncio
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import strawberry
from argon2 import PasswordHasher

from backend.accounts import AccountService
from backend.api import build_schema
from backend.api.context import ApiContext, ApiLimits
from backend.feedback import Delivered, FeedbackRouter, transaction_view, transfer_outcome
from backend.hub import TransactionHub
from backend.outcomes import AccountOutcome, TransactionView, TransferCommand, TransferOutcome
from backend.passwords import PasswordHashing
from backend.pending import PendingResults
from backend.ports import AccountRecord
from backend.throttle import LoginThrottle
from backend.transfers import TransferService
from command_handler import domain
from topology.iban import iban_from_digits, new_token
from topology.records import (
    Atype,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)
from topology.topics import ACCOUNT_CREATION_FEEDBACK, BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = [
    "InMemoryAccountStore",
    "InMemoryBank",
    "InMemoryCommandHandler",
    "InMemoryTransactionStore",
    "in_memory_bank",
]


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
            key=lambda t: t.account_position,
            reverse=True,
        )
        if before_id is not None:
            # As the SQL store: a cursor that is no row counts as unnumbered.
            cursor = self.transactions.get(before_id)
            after = (cursor.decided or 0, before_id) if cursor else (0, before_id)
            rows = [t for t in rows if t.account_position < after]
        return rows[:limit]

    async def as_of(self, iban: str, at: datetime, limit: int) -> Sequence[TransactionView]:
        moment = at.timestamp() * 1000
        rows = [
            t
            for t in self.transactions.values()
            if t.iban == iban and t.changed_at_ms is not None and t.changed_at_ms <= moment
        ]
        rows.sort(key=lambda t: t.account_position, reverse=True)
        return rows[:limit]

    async def last_per_iban(self) -> Sequence[TransactionView]:
        last: dict[str, TransactionView] = {}
        for transaction in sorted(self.transactions.values(), key=lambda t: t.account_position):
            last[transaction.iban] = transaction
        return [last[iban] for iban in sorted(last)]

    async def transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        return self.results.get(command_id)


class InMemoryCommandHandler:
    """``CommandPublisher`` whose commands the handler's domain decides at once.

    Each command becomes the record the Kafka producer would send; what the handler would
    publish is written to ``store`` (as the projector would) and routed to the waiting
    requests and the hub on the next loop iteration. ``silent`` drops commands unanswered,
    as a handler that is down would.
    """

    def __init__(self, router: FeedbackRouter, store: InMemoryTransactionStore) -> None:
        self._router = router
        self._store = store
        self._accounts: dict[str, domain.Account] = {}
        self._transfer_answers: dict[UUID, domain.TransferFeedback] = {}
        self._creation_answers: dict[UUID, domain.CreationFeedback] = {}
        # Account numbers in order, so no candidate iban is ever taken; tokens random.
        self._account_numbers = itertools.count(1)
        self._rng = random.Random()
        self._offsets: defaultdict[str, Iterator[int]] = defaultdict(itertools.count)
        self.sent: list[UUID | TransferCommand] = []
        self.silent = False

    def send_account_creation(self, command_id: UUID) -> None:
        self.sent.append(command_id)
        if not self.silent:
            self._handle(ConfirmAccountCreation(id=command_id, a_type=Atype.MANUAL))

    def send_money_transfer(self, command: TransferCommand) -> None:
        self.sent.append(command)
        if not self.silent:
            self._handle(
                ConfirmMoneyTransfer(
                    id=command.uuid,
                    token=command.token,
                    amount=command.amount_cents,
                    from_=command.from_,
                    to=command.to,
                    description=command.description,
                )
            )

    def _handle(self, command: domain.Command) -> None:
        candidates: dict[UUID, domain.AccountCandidate] = {}
        if isinstance(command, ConfirmAccountCreation):
            digits = f"{next(self._account_numbers):010d}"
            candidates[command.id] = domain.AccountCandidate(
                iban_from_digits(digits), new_token(self._rng)
            )
        decision = domain.decide_batch(
            [command], self._accounts, self._transfer_answers, self._creation_answers, candidates
        )
        self._accounts = decision.accounts
        self._transfer_answers.update(decision.transfer_answers)
        self._creation_answers.update(decision.creation_answers)
        [outcome] = decision.outcomes
        published: list[Delivered] = []
        if isinstance(outcome, domain.TransferOutcome):
            published.extend(self._publish(BALANCE_CHANGED.name, c) for c in outcome.changes)
            published.append(self._publish(MONEY_TRANSFER_FEEDBACK.name, outcome.feedback))
        else:
            published.append(self._publish(ACCOUNT_CREATION_FEEDBACK.name, outcome.feedback))
        self._project(published)
        asyncio.get_running_loop().call_soon(self._router.route, published)

    def _publish(self, topic: str, record: Record) -> Delivered:
        # A Kafka timestamp, as the broker gives it: `at` queries read it.
        now_ms = time.time_ns() // 1_000_000
        return Delivered(topic, 0, next(self._offsets[topic]), record, produced_ms=now_ms)

    def _project(self, published: list[Delivered]) -> None:
        for item in published:
            if isinstance(item.record, BalanceChanged):
                self._store.add_transaction(
                    transaction_view(item.record, 0, item.offset, item.produced_ms)
                )
            elif isinstance(item.record, MoneyTransferConfirmed | MoneyTransferFailed):
                self._store.add_result(transfer_outcome(item.record))


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
    throttle: LoginThrottle | None = None,
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
    handler = InMemoryCommandHandler(FeedbackRouter(account_results, transfer_results, hub), store)
    context = ApiContext(
        accounts=AccountService(
            accounts, handler, account_results, PasswordHashing(hasher), throttle
        ),
        transfers=TransferService(
            store, handler, transfer_results, lookup_after_ms=lookup_after_ms
        ),
        transactions=store,
        hub=hub,
        limits=limits or ApiLimits(),
    )
    return InMemoryBank(build_schema(), context, handler, store, accounts, hub)
