"""Queries, served from the backend's own transactions table."""

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from backend.api.context import ApiInfo
from backend.api.event_types import LogChain, events_of
from backend.api.scalars import Long
from backend.api.types import AccountAt, Transaction, TransactionPage
from backend.moments import parse_moment
from backend.money import format_euro_cents
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

    @strawberry.field
    async def account(
        self,
        info: ApiInfo,
        iban: str,
        at: Annotated[
            str | None,
            strawberry.argument(
                description="ISO 8601 moment, e.g. 2026-12-05T08:00:00Z (no offset: UTC); "
                "null: now."
            ),
        ] = None,
        max_items: int = 20,
    ) -> AccountAt:
        """``iban`` as it was at ``at``: its balance then and its newest transactions until
        then (each counts from its event's Kafka timestamp)."""
        check_iban("iban", iban)
        moment = datetime.now(UTC) if at is None else parse_moment("at", at)
        check_limit("max_items", max_items, info.context.limits.max_page_size)
        rows = await info.context.transactions.as_of(iban, moment, max_items)
        balance = rows[0].new_balance_cents if rows else None
        return AccountAt(
            iban=iban,
            at=moment.astimezone(UTC).isoformat(),
            balance=None if balance is None else format_euro_cents(balance),
            balance_cents=None if balance is None else Long(balance),
            transactions=[Transaction.from_view(row) for row in rows],
        )
