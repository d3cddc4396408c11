"""Deciding a ConfirmMoneyTransfer: the original's rules, in its order, plus positive amounts.

Pure: the accounts involved are passed in as values and the outcome says which balances
change; loading, locking and storing are the caller's job.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

from command_handler.domain import reasons
from command_handler.domain.accounts import CASH, MAX_BALANCE_CENTS, Account
from command_handler.domain.ibans import is_open_iban
from topology.records import (
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

__all__ = ["TransferFeedback", "TransferOutcome", "decide_money_transfer"]

TransferFeedback: TypeAlias = MoneyTransferConfirmed | MoneyTransferFailed


@dataclass(frozen=True, slots=True)
class TransferOutcome:
    """The answer to one transfer and the balance changes it makes (debit first, then credit).

    `replayed` is true when the command id was answered before: the old answer is repeated
    and nothing changes.
    """

    feedback: TransferFeedback
    changes: tuple[BalanceChanged, ...] = ()
    replayed: bool = False

    @property
    def reason(self) -> str | None:
        """The failure reason, or None when the transfer was confirmed."""
        if isinstance(self.feedback, MoneyTransferFailed):
            return self.feedback.reason
        return None


def _failed(command: ConfirmMoneyTransfer, reason: str) -> TransferOutcome:
    return TransferOutcome(MoneyTransferFailed(id=command.id, reason=reason))


def _from_invalid(from_: str) -> bool:
    return from_ != CASH and not is_open_iban(from_)


def decide_money_transfer(
    command: ConfirmMoneyTransfer,
    accounts: Mapping[str, Account],
    previous: TransferFeedback | None = None,
) -> TransferOutcome:
    """Decide `command` against the current `accounts` (by iban; only those that exist).

    `previous` is the answer stored for this command id, if any: it is given again and no
    balance changes (idempotency, and how a retried command learns its result).
    Amounts are euro cents.
    """
    if previous is not None:
        return TransferOutcome(previous, replayed=True)
    amount = command.amount
    if amount <= 0:
        return _failed(command, reasons.AMOUNT_NOT_POSITIVE)
    if _from_invalid(command.from_):
        return _failed(command, reasons.FROM_INVALID)
    if command.from_ == command.to:
        return _failed(command, reasons.SAME_FROM_AND_TO)
    debited = accounts.get(command.from_)
    credited = accounts.get(command.to)
    if debited is not None:
        if not _token_matches(debited.token, command.token):
            return _failed(command, reasons.INVALID_TOKEN)
        if debited.balance_cents - amount < debited.limit_cents:
            return _failed(command, reasons.INSUFFICIENT_FUNDS)
    elif credited is None:
        return _failed(command, reasons.BOTH_UNKNOWN)
    if credited is not None and credited.balance_cents > MAX_BALANCE_CENTS - amount:
        return _failed(command, reasons.BALANCE_TOO_LARGE)
    changes: list[BalanceChanged] = []
    if debited is not None:
        changes.append(
            BalanceChanged(
                iban=debited.iban,
                new_balance=debited.balance_cents - amount,
                changed_by=-amount,
                from_to=command.to,
                description=command.description,
                command_id=command.id,
            )
        )
    if credited is not None:
        changes.append(
            BalanceChanged(
                iban=credited.iban,
                new_balance=credited.balance_cents + amount,
                changed_by=amount,
                from_to=command.from_,
                description=command.description,
                command_id=command.id,
            )
        )
    return TransferOutcome(MoneyTransferConfirmed(id=command.id), tuple(changes))


def _token_matches(expected: str, given: str) -> bool:
    """Constant-time comparison, so response timing does not reveal how much of a guessed
    token is right. Bytes, because `compare_digest` refuses non-ASCII `str`."""
    return hmac.compare_digest(expected.encode(), given.encode())
