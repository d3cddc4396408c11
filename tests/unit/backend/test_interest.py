"""Which live records the backend decodes: answers awaited here, changes streamed here."""

import asyncio
from uuid import UUID, uuid4

from backend.hub import TransactionFilter, TransactionHub
from backend.interest import LiveInterest
from backend.outcomes import AccountOutcome, TransferOutcome
from backend.pending import PendingResults
from topology.topics import ACCOUNT_CREATION_FEEDBACK, BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

ALICE, BOB = "NL66OPEN0000000000", "NL59OPEN0000000001"


def interest() -> tuple[
    LiveInterest,
    PendingResults[UUID, AccountOutcome],
    PendingResults[UUID, TransferOutcome],
    TransactionHub,
]:
    accounts: PendingResults[UUID, AccountOutcome] = PendingResults(timeout_ms=1000, max_pending=9)
    transfers: PendingResults[UUID, TransferOutcome] = PendingResults(
        timeout_ms=1000, max_pending=9
    )
    hub = TransactionHub()
    return LiveInterest(accounts, transfers, hub), accounts, transfers, hub


async def test_answers_are_decoded_only_for_requests_waiting_here() -> None:
    live, accounts, transfers, _hub = interest()
    mine, login, elsewhere = uuid4(), uuid4(), uuid4()
    waiting = [
        asyncio.ensure_future(transfers.wait_for(mine, lambda: None)),
        asyncio.ensure_future(accounts.wait_for(login, lambda: None)),
    ]
    await asyncio.sleep(0)
    transfer_topic, account_topic = MONEY_TRANSFER_FEEDBACK.name, ACCOUNT_CREATION_FEEDBACK.name
    assert live.wants(transfer_topic, str(mine).encode())
    assert live.wants(transfer_topic, str(mine).upper().encode())  # any textual form
    assert not live.wants(transfer_topic, str(elsewhere).encode())
    assert not live.wants(transfer_topic, str(login).encode())  # pending as a login only
    assert live.wants(account_topic, str(login).encode())
    assert not live.wants(account_topic, str(mine).encode())
    transfers.resolve(mine, TransferOutcome(mine, success=True))
    assert not live.wants(transfer_topic, str(mine).encode())  # answered: no longer needed
    for future in waiting:
        future.cancel()


def test_messages_whose_key_proves_nothing_are_decoded() -> None:
    live, _accounts, _transfers, _hub = interest()
    for key in (None, b"not-a-uuid", b"\xff\xfe", uuid4().bytes):
        assert live.wants(MONEY_TRANSFER_FEEDBACK.name, key)
    assert live.wants("some_other_topic", str(uuid4()).encode())


async def test_balance_changes_are_decoded_only_for_ibans_someone_streams() -> None:
    live, _accounts, _transfers, hub = interest()

    def wanted(iban: str) -> bool:
        return live.wants(BALANCE_CHANGED.name, iban.encode())

    assert not wanted(ALICE)
    alice_only = hub.stream(TransactionFilter(iban=ALICE))
    reading = asyncio.ensure_future(anext(alice_only))
    await asyncio.sleep(0)
    assert (wanted(ALICE), wanted(BOB)) == (True, False)
    everything = hub.stream(TransactionFilter(min_amount_cents=100))
    reading_all = asyncio.ensure_future(anext(everything))
    await asyncio.sleep(0)
    assert (wanted(ALICE), wanted(BOB)) == (True, True)
    reading.cancel()
    reading_all.cancel()
    await asyncio.gather(reading, reading_all, return_exceptions=True)
    await alice_only.aclose()
    await everything.aclose()
    assert (wanted(ALICE), wanted(BOB)) == (False, False)
