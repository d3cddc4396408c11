"""Money transfers: validate, publish once per command id, await the feedback.

The same uuid always gets the same answer: from this instance's memory while
it is pending or recent, from the backend's table of results when another
instance (or an earlier run) sent it, and otherwise from the command handler,
which answers a repeated command id with its first answer.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from uuid import UUID

from backend.outcomes import TransferCommand, TransferOutcome
from backend.pending import PendingResults
from backend.ports import CommandPublisher, TransactionStore
from backend.validation import (
    CASH,
    MAX_DESCRIPTION_LENGTH,
    MAX_TOKEN_LENGTH,
    check_amount,
    check_counterparty,
    check_from,
    check_iban,
    check_text,
    normalise_uuid,
)

__all__ = ["TransferService", "build_deposit", "build_transfer"]

_log = logging.getLogger(__name__)


def build_transfer(
    *,
    uuid: str,
    token: str,
    amount_cents: int,
    from_: str,
    to: str,
    description: str,
    max_amount_cents: int,
) -> TransferCommand:
    """Validate the arguments of a transfer, each refusal naming its argument."""
    return TransferCommand(
        uuid=normalise_uuid("uuid", uuid),
        token=check_text("token", token, min_length=1, max_length=MAX_TOKEN_LENGTH),
        amount_cents=check_amount("amount", amount_cents, max_amount_cents),
        from_=check_from("from", from_),
        to=check_counterparty("to", to),
        description=check_text(
            "descr", description, min_length=0, max_length=MAX_DESCRIPTION_LENGTH
        ),
    )


def build_deposit(
    *, uuid: str, iban: str, amount_cents: int, description: str, max_amount_cents: int
) -> TransferCommand:
    """A deposit is a transfer from ``cash`` (token ``cash``) to ``iban``."""
    return TransferCommand(
        uuid=normalise_uuid("uuid", uuid),
        token=CASH,
        amount_cents=check_amount("amount", amount_cents, max_amount_cents),
        from_=CASH,
        to=check_iban("iban", iban),
        description=check_text(
            "descr", description, min_length=0, max_length=MAX_DESCRIPTION_LENGTH
        ),
    )


class TransferService:
    """Sends ConfirmMoneyTransfer and returns the handler's MoneyTransferResult."""

    def __init__(
        self,
        store: TransactionStore,
        publisher: CommandPublisher,
        pending: PendingResults[UUID, TransferOutcome],
        on_done: Callable[[float], None] | None = None,
    ) -> None:
        """``on_done`` receives each call's duration in seconds (the server's view)."""
        self._on_done = on_done
        self._store = store
        self._publisher = publisher
        self._pending = pending

    async def transfer(self, command: TransferCommand) -> TransferOutcome:
        """The answer to ``command.uuid``, publishing the command at most once here."""
        started = time.perf_counter()
        try:
            return await self._transfer(command)
        finally:
            if self._on_done is not None:
                self._on_done(time.perf_counter() - started)

    async def _transfer(self, command: TransferCommand) -> TransferOutcome:
        known = self._pending.recent(command.uuid)
        if known is not None:
            return known
        # The table look-up runs beside the command, not before it: under load it
        # would otherwise sit on every request's critical path. If the table knows
        # the id, its answer wins; the command sent meanwhile is a repeat, which the
        # handler answers with its first answer and without a second booking.
        answer = asyncio.ensure_future(
            self._pending.wait_for(
                command.uuid, lambda: self._publisher.send_money_transfer(command)
            )
        )
        stored = asyncio.ensure_future(self._store.transfer_result(command.uuid))
        try:
            await asyncio.wait({answer, stored}, return_when=asyncio.FIRST_COMPLETED)
            if stored.done() and not answer.done():
                if stored.exception() is not None:
                    _log.warning("transfer result look-up failed: %s", stored.exception())
                elif (found := stored.result()) is not None:
                    return found
            return await answer
        finally:
            for task in (answer, stored):
                if not task.done():
                    task.cancel()
