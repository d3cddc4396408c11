"""Mutations for clients that prefer request/response over a one-shot subscription.

Each awaits the command handler's feedback and returns it as a union value:
refusals the person can act on are data, not GraphQL errors.
"""

from typing import Annotated

import strawberry

from backend.api.context import ApiInfo
from backend.api.scalars import Long
from backend.api.types import AccountPayload, TransferPayload, account_payload, transfer_payload
from backend.transfers import build_deposit, build_transfer

__all__ = ["Mutation"]


@strawberry.type
class Mutation:
    """create_account, login, transfer_money, deposit."""

    @strawberry.mutation
    async def create_account(self, info: ApiInfo, username: str, password: str) -> AccountPayload:
        """Open a new account for a new username."""
        context = info.context
        return account_payload(
            await context.accounts.create_account(username, password, context.client)
        )

    @strawberry.mutation
    async def login(self, info: ApiInfo, username: str, password: str) -> AccountPayload:
        """Get the iban and token of an existing username."""
        context = info.context
        return account_payload(await context.accounts.login(username, password, context.client))

    @strawberry.mutation
    async def transfer_money(
        self,
        info: ApiInfo,
        uuid: str,
        token: str,
        amount: Long,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        descr: str,
    ) -> TransferPayload:
        """Move ``amount`` cents from ``from`` (with its token) to ``to``."""
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
        return transfer_payload(await info.context.transfers.transfer(command, info.context.client))

    @strawberry.mutation
    async def deposit(
        self,
        info: ApiInfo,
        uuid: str,
        iban: str,
        amount: Long,
        descr: str = "deposit",
    ) -> TransferPayload:
        """Put ``amount`` cents of cash on ``iban``."""
        command = build_deposit(
            uuid=uuid,
            iban=iban,
            amount_cents=amount,
            description=descr,
            max_amount_cents=info.context.limits.max_amount_cents,
            max_deposit_cents=info.context.limits.max_deposit_cents,
        )
        return transfer_payload(await info.context.transfers.transfer(command, info.context.client))
