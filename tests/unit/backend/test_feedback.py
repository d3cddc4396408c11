import asyncio
import time
from uuid import UUID, uuid4

from backend.feedback import Delivered, FeedbackRouter
from backend.hub import TransactionFilter, TransactionHub
from backend.outcomes import AccountOutcome, TransferOutcome
from backend.pending import PendingResults
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    BalanceChanged,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)
from topology.topics import BALANCE_CHANGED


def router() -> tuple[
    FeedbackRouter, PendingResults[UUID, AccountOutcome], PendingResults[UUID, TransferOutcome]
]:
    accounts: PendingResults[UUID, AccountOutcome] = PendingResults(timeout_ms=1000, max_pending=10)
    transfers: PendingResults[UUID, TransferOutcome] = PendingResults(
        timeout_ms=1000, max_pending=10
    )
    return FeedbackRouter(accounts, transfers, TransactionHub()), accounts, transfers


def test_feedback_resolves_answers_by_command_id() -> None:
    route, accounts, transfers = router()
    ok, refused, opened, clash = uuid4(), uuid4(), uuid4(), uuid4()
    route.route(
        [
            Delivered("money_transfer_feedback", 0, 1, MoneyTransferConfirmed(ok)),
            Delivered(
                "money_transfer_feedback", 0, 2, MoneyTransferFailed(refused, "invalid token")
            ),
            Delivered(
                "account_creation_feedback",
                0,
                1,
                AccountCreationConfirmed(opened, "NL66OPEN0000000000", "0" * 20, Atype.MANUAL),
            ),
            Delivered("account_creation_feedback", 0, 2, AccountCreationFailed(clash, "clash")),
        ]
    )
    assert transfers.recent(ok) == TransferOutcome(ok, success=True)
    assert transfers.recent(refused) == TransferOutcome(refused, False, "invalid token")
    assert accounts.recent(opened) == AccountOutcome("NL66OPEN0000000000", "0" * 20)
    assert accounts.recent(clash) == AccountOutcome(reason="clash")


async def test_balance_changes_reach_subscribers_with_ids_from_their_coordinates() -> None:
    hub = TransactionHub()
    accounts: PendingResults[UUID, AccountOutcome] = PendingResults(timeout_ms=1000, max_pending=10)
    transfers: PendingResults[UUID, TransferOutcome] = PendingResults(
        timeout_ms=1000, max_pending=10
    )
    route = FeedbackRouter(accounts, transfers, hub)
    stream = hub.stream(TransactionFilter())
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    change = BalanceChanged("NL66OPEN0000000000", 900, -100, "cash", "withdrawal")
    route.route([Delivered(BALANCE_CHANGED.name, 2, 7, change)])
    view = await first
    assert view.id == 7 * BALANCE_CHANGED.partitions + 2
    assert (view.iban, view.new_balance_cents, view.changed_by_cents) == (
        "NL66OPEN0000000000",
        900,
        -100,
    )
    await stream.aclose()


async def test_an_answered_transfer_reports_where_its_time_went() -> None:
    stages: list[tuple[str, float]] = []
    accounts: PendingResults[UUID, AccountOutcome] = PendingResults(timeout_ms=1000, max_pending=10)
    transfers: PendingResults[UUID, TransferOutcome] = PendingResults(
        timeout_ms=1000, max_pending=10
    )
    route = FeedbackRouter(
        accounts, transfers, TransactionHub(), lambda stage, s: stages.append((stage, s))
    )
    mine, others = uuid4(), uuid4()
    waiting = asyncio.ensure_future(transfers.wait_for(mine, lambda: None))
    await asyncio.sleep(0)
    sent_at = transfers.sent_at(mine)
    assert sent_at is not None
    produced_ms = int(time.time() * 1000) - 10  # the answer was made 10 ms ago …
    polled_at = produced_ms / 1000 + 0.003  # … and polled 3 ms later
    route.route(
        [
            Delivered("money_transfer_feedback", 0, 1, MoneyTransferConfirmed(others), 5, 6.0),
            Delivered(
                "money_transfer_feedback",
                0,
                2,
                MoneyTransferConfirmed(mine),
                produced_ms,
                polled_at,
            ),
        ]
    )
    assert await waiting == TransferOutcome(mine, success=True)
    assert [stage for stage, _ in stages] == ["handler", "kafka_back", "handoff"]
    seconds = dict(stages)
    assert abs(seconds["handler"] - (produced_ms / 1000 - sent_at)) < 1e-9
    assert abs(seconds["kafka_back"] - 0.003) < 1e-6
    assert 0 <= seconds["handoff"] < 1.0
