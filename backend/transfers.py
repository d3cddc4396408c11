"""Money transfers: validate, publish once per command id, await the feedback.

The same uuid always gets the same answer: from this instance's memory while
it is pending or recent, otherwise from the command handler, which answers a
repeated command id with its first answer. When the handler is slow or down, the
backend's table of results (written by the projector) answers ids it knows. When
no answer came within the wait, the answer is ``PendingTransfer``, not an error:
the command was sent and will be decided; ``decided`` waits on for it.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from uuid import UUID

from backend.deposits import DepositBudget
from backend.outcomes import PendingTransfer, TransferCommand, TransferOutcome
from backend.pending import PendingResults, ResultTimeoutError
from backend.ports import CommandPublisher, TransactionStore
from backend.validation import (
    CASH,
    MAX_DESCRIPTION_LENGTH,
    MAX_TOKEN_LENGTH,
    check_amount,
    check_counterparty,
    check_deposit_amount,
    check_from,
    check_iban,
    check_text,
    normalise_uuid,
)

__all__ = ["TransferService", "build_deposit", "build_transfer"]

_log = logging.getLogger(__name__)
#: After a pending answer, how long each further wait lasts: the command is sent again
#: (harmless, the handler answers a repeated id with its first answer) at most this often.
FOLLOW_WAIT_MS = 60_000


def build_transfer(
    *,
    uuid: str,
    token: str,
    amount_cents: int,
    from_: str,
    to: str,
    description: str,
    max_amount_cents: int,
    max_deposit_cents: int,
) -> TransferCommand:
    """Validate the arguments of a transfer, each refusal naming its argument; one from
    ``cash`` is a deposit and at most ``max_deposit_cents``."""
    command = TransferCommand(
        uuid=normalise_uuid("uuid", uuid),
        token=check_text("token", token, min_length=1, max_length=MAX_TOKEN_LENGTH),
        amount_cents=check_amount("amount", amount_cents, max_amount_cents),
        from_=check_from("from", from_),
        to=check_counterparty("to", to),
        description=check_text(
            "descr", description, min_length=0, max_length=MAX_DESCRIPTION_LENGTH
        ),
    )
    if command.from_ == CASH:
        check_deposit_amount("amount", command.amount_cents, max_deposit_cents)
    return command


def build_deposit(
    *,
    uuid: str,
    iban: str,
    amount_cents: int,
    description: str,
    max_amount_cents: int,
    max_deposit_cents: int,
) -> TransferCommand:
    """A deposit is a transfer from ``cash`` (token ``cash``) to ``iban``."""
    return TransferCommand(
        uuid=normalise_uuid("uuid", uuid),
        token=CASH,
        amount_cents=check_deposit_amount(
            "amount", check_amount("amount", amount_cents, max_amount_cents), max_deposit_cents
        ),
        from_=CASH,
        to=check_iban("iban", iban),
        description=check_text(
            "descr", description, min_length=0, max_length=MAX_DESCRIPTION_LENGTH
        ),
    )


class TransferService:
    """Sends ConfirmMoneyTransfer and returns the handler's answer, or that it is pending."""

    def __init__(
        self,
        store: TransactionStore,
        publisher: CommandPublisher,
        pending: PendingResults[UUID, TransferOutcome],
        on_done: Callable[[float], None] | None = None,
        *,
        lookup_after_ms: int = 1000,
        deposits: DepositBudget | None = None,
        follow_ms: int = 600_000,
    ) -> None:
        """``on_done`` receives each call's duration in seconds (the server's view);
        the results table is asked only when no answer came within ``lookup_after_ms``;
        deposits (transfers from ``cash``) spend their client's ``deposits`` budget;
        ``decided`` waits up to ``follow_ms``."""
        self._on_done = on_done
        self._deposits = deposits or DepositBudget()
        self._store = store
        self._publisher = publisher
        self._pending = pending
        self._lookup_after_s = lookup_after_ms / 1000
        self._lookups: set[asyncio.Future[None]] = set()
        self._follow_ms = follow_ms

    async def transfer(
        self, command: TransferCommand, client: str = "local"
    ) -> TransferOutcome | PendingTransfer:
        """The answer to ``command.uuid``, publishing the command at most once here, or
        ``PendingTransfer`` when none came within the wait."""
        started = time.perf_counter()
        try:
            known = self._pending.recent(command.uuid)
            if known is not None:
                return known
            if command.from_ == CASH:
                # Refused before anything is sent: no answer is recorded for the uuid, so
                # the same deposit can be retried once the budget allows it.
                self._deposits.take(client, command.amount_cents)
            try:
                return await self._answer(command)
            except ResultTimeoutError:
                return PendingTransfer(command.uuid)
        finally:
            if self._on_done is not None:
                self._on_done(time.perf_counter() - started)

    async def decided(self, command: TransferCommand) -> TransferOutcome:
        """The answer to a command already sent (after ``PendingTransfer``), the moment it
        is decided; raises ``ResultTimeoutError`` after ``follow_ms``."""
        give_up_ms = self._follow_ms
        deadline = time.monotonic() + give_up_ms / 1000
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                raise ResultTimeoutError(give_up_ms)
            try:
                return await self._answer(command, min(left_ms, FOLLOW_WAIT_MS))
            except ResultTimeoutError:
                continue

    async def _answer(
        self, command: TransferCommand, timeout_ms: int | None = None
    ) -> TransferOutcome:
        answer = self._pending.register(
            command.uuid, lambda: self._publisher.send_money_transfer(command), timeout_ms
        )
        # The handler answers a repeated id with its first answer, so the table only
        # speeds up an answer while the handler is slow or down: not worth a query each.
        lookup = asyncio.get_running_loop().call_later(
            self._lookup_after_s, self._start_lookup, command.uuid, answer
        )
        try:
            return await answer
        finally:
            lookup.cancel()

    def _start_lookup(self, command_id: UUID, answer: asyncio.Future[TransferOutcome]) -> None:
        if answer.done():
            return
        task = asyncio.ensure_future(self._answer_from_table(command_id, answer))
        self._lookups.add(task)  # a reference, so the task is not collected mid-way
        task.add_done_callback(self._lookups.discard)

    async def _answer_from_table(
        self, command_id: UUID, answer: asyncio.Future[TransferOutcome]
    ) -> None:
        """Give ``answer`` the table's answer if the table knows the id and it is first."""
        try:
            found = await self._store.transfer_result(command_id)
        except Exception as exc:  # noqa: BLE001 - the handler's answer may still come
            _log.warning("transfer result look-up failed: %s", exc)
            return
        if found is not None and not answer.done():
            answer.set_result(found)
