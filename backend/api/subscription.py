"""The original's subscriptions (two one-shot answers, the live transactions) and the
live dashboard's samples."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from backend.api.context import ApiInfo
from backend.api.dashboard import DashboardSample
from backend.api.event_types import LogBatch, events_of
from backend.api.types import AccountResult, Dtype, MoneyTransferResult, Transaction
from backend.errors import ClientError
from backend.hub import TransactionFilter
from backend.outcomes import PendingTransfer
from backend.transfers import build_transfer
from backend.validation import InvalidArgumentError, check_iban

__all__ = ["Subscription"]


@strawberry.type
class Subscription:
    """stream_transactions, get_account, money_transfer, event_log, dashboard."""

    @strawberry.subscription
    async def stream_transactions(
        self,
        info: ApiInfo,
        iban: str | None = None,
        min_amount: int | None = None,
        direction: Dtype | None = None,
    ) -> AsyncGenerator[Transaction | None, None]:
        """Every new BalanceChanged passing the filters (min_amount: absolute cents)."""
        if iban is not None:
            check_iban("iban", iban)
        if min_amount is not None and min_amount < 0:
            raise InvalidArgumentError("min_amount", "must not be negative")
        wanted = TransactionFilter(
            iban=iban,
            min_amount_cents=min_amount,
            direction=None if direction is None else direction.to_direction(),
        )
        async for view in info.context.hub.stream(wanted):
            yield Transaction.from_view(view)

    @strawberry.subscription
    async def event_log(
        self, info: ApiInfo, iban: str | None = None
    ) -> AsyncGenerator[LogBatch, None]:
        """The history topics' records of ``iban`` (or all): the recent past, then live
        batches, sampled when more arrive than a browser can show (see ``sampled_one_in``)."""
        if iban is not None:
            check_iban("iban", iban)
        async for batch in events_of(info).stream(iban):
            yield LogBatch.from_batch(batch)

    @strawberry.subscription
    async def get_account(
        self, info: ApiInfo, username: str, password: str
    ) -> AsyncGenerator[AccountResult | None, None]:
        """Login-or-register; yields one result."""
        outcome = await info.context.accounts.get_account(username, password, info.context.client)
        yield AccountResult.from_outcome(outcome)

    @strawberry.subscription
    async def money_transfer(
        self,
        info: ApiInfo,
        uuid: str,
        token: str,
        amount: int,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        descr: str,
    ) -> AsyncGenerator[MoneyTransferResult | None, None]:
        """Publish ConfirmMoneyTransfer; yields the result, or a pending one and then the
        result the moment it is decided."""
        command = build_transfer(
            uuid=uuid,
            token=token,
            amount_cents=amount,
            from_=from_,
            to=to,
            description=descr,
            max_amount_cents=info.context.limits.max_amount_cents,
            max_deposit_cents=info.context.limits.max_deposit_cents,
        )
        outcome = await info.context.transfers.transfer(command, info.context.client)
        yield MoneyTransferResult.from_outcome(outcome)
        if isinstance(outcome, PendingTransfer):
            yield MoneyTransferResult.from_outcome(await info.context.transfers.decided(command))

    @strawberry.subscription
    async def dashboard(self, info: ApiInfo) -> AsyncGenerator[DashboardSample, None]:
        """The last minute's samples of the live dashboard, then one a second."""
        feed = info.context.dashboard
        if feed is None:
            raise ClientError("this backend runs without the dashboard", "NO_DASHBOARD")
        async for sample in feed.stream():
            yield DashboardSample.from_sample(sample)
