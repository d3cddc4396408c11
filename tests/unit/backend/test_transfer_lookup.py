"""The results table is asked only for late answers (the handler answers repeats itself)."""

import asyncio
from uuid import UUID, uuid4

from backend.outcomes import TransferCommand, TransferOutcome
from backend.pending import PendingResults
from backend.transfers import TransferService
from tests.support.backend_memory import InMemoryTransactionStore


class CountingStore(InMemoryTransactionStore):
    """The in-memory table, counting look-ups."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    async def transfer_result(self, command_id: UUID) -> TransferOutcome | None:
        self.lookups += 1
        return await super().transfer_result(command_id)


class Handler:
    """Answers each transfer after ``delay_s`` (never, if None), as the feedback would."""

    def __init__(self, pending: PendingResults[UUID, TransferOutcome], delay_s: float | None):
        self.pending = pending
        self.delay_s = delay_s
        self.sent: list[UUID] = []

    def send_account_creation(self, command_id: UUID) -> None:
        raise AssertionError("not used here")

    def send_money_transfer(self, command: TransferCommand) -> None:
        self.sent.append(command.uuid)
        if self.delay_s is not None:
            asyncio.get_running_loop().call_later(
                self.delay_s,
                self.pending.resolve,
                command.uuid,
                TransferOutcome(command.uuid, True),
            )


def service(delay_s: float | None) -> tuple[TransferService, CountingStore, Handler]:
    pending: PendingResults[UUID, TransferOutcome] = PendingResults(timeout_ms=2000, max_pending=10)
    store = CountingStore()
    handler = Handler(pending, delay_s)
    return TransferService(store, handler, pending, lookup_after_ms=50), store, handler


def deposit(uuid: UUID) -> TransferCommand:
    return TransferCommand(uuid, "cash", 100, "cash", "NL66OPEN0000000000", "deposit")


async def test_a_prompt_answer_never_asks_the_table() -> None:
    transfers, store, handler = service(delay_s=0.001)
    uuid = uuid4()
    assert await transfers.transfer(deposit(uuid)) == TransferOutcome(uuid, True)
    assert (store.lookups, handler.sent) == (0, [uuid])


async def test_a_late_answer_comes_from_the_table_when_it_knows_the_id() -> None:
    # Another instance (or an earlier run) had it answered; the handler is down now.
    transfers, store, handler = service(delay_s=None)
    uuid = uuid4()
    store.add_result(TransferOutcome(uuid, False, "insufficient funds"))
    assert await transfers.transfer(deposit(uuid)) == TransferOutcome(
        uuid, False, "insufficient funds"
    )
    assert (store.lookups, handler.sent) == (1, [uuid])


async def test_a_late_answer_unknown_to_the_table_still_comes_from_the_handler() -> None:
    transfers, store, _handler = service(delay_s=0.2)
    uuid = uuid4()
    assert await transfers.transfer(deposit(uuid)) == TransferOutcome(uuid, True)
    assert store.lookups == 1
