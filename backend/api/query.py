"""Queries, served from the backend's own transactions table."""

import strawberry

from backend.api.context import ApiInfo
from backend.api.event_types import LogChain, events_of
from backend.api.types import Transaction, TransactionPage
from backend.validation import InvalidArgumentError, check_iban, check_limit, normalise_uuid

__all__ = ["Query"]


@strawberry.type
class Query:
    """The original's three queries plus a paginated one."""

    @strawberry.field
    async def transaction_by_id(self, info: ApiInfo, id: int) -> Transaction | None:
        """One transaction by its id, or null."""
        found = await info.context.transactions.by_id(id)
        return None if found is None else Transaction.from_view(found)

    @strawberry.field
    async def transactions_by_iban(
        self, info: ApiInfo, iban: str, max_items: int
    ) -> list[Transaction | None] | None:
        """The newest ``max_items`` transactions of ``iban``, newest first."""
        check_iban("iban", iban)
        check_limit("max_items", max_items, info.context.limits.max_page_size)
        rows = await info.context.transactions.by_iban(iban, max_items)
        return [Transaction.from_view(row) for row in rows]

    @strawberry.field
    async def all_last_transactions(self, info: ApiInfo) -> list[Transaction | None] | None:
        """The newest transaction of every account, ordered by iban."""
        rows = await info.context.transactions.last_per_iban()
        return [Transaction.from_view(row) for row in rows]

    @strawberry.field
    async def transactions(
        self, info: ApiInfo, iban: str, first: int = 20, before: int | None = None
    ) -> TransactionPage:
        """Keyset pagination over ``iban``'s transactions, newest first."""
        check_iban("iban", iban)
        check_limit("first", first, info.context.limits.max_page_size)
        if before is not None and before < 0:
            raise InvalidArgumentError("before", "must not be negative")
        rows = await info.context.transactions.by_iban(iban, first + 1, before)
        items = [Transaction.from_view(row) for row in rows[:first]]
        has_more = len(rows) > first
        return TransactionPage(
            items=items, has_more=has_more, next_before=items[-1].id if has_more else None
        )

    @strawberry.field
    async def event_chain(self, info: ApiInfo, command_id: str) -> LogChain:
        """Command ``command_id`` from the log, its answer and the balance changes it caused."""
        command = normalise_uuid("command_id", command_id)
        return LogChain.from_chain(await events_of(info).chain(str(command)))
