"""GraphQL object types: the original open-bank-mark names plus our additions.

The original's fields are nullable strings (``€1.234,56``); the ``*_cents``
fields are our numeric additions. Formatting happens here and nowhere else.
"""

from enum import Enum
from typing import Annotated

import strawberry

from backend.api.scalars import Long
from backend.money import format_euro_cents
from backend.outcomes import (
    AccountOutcome,
    Direction,
    PendingTransfer,
    TransactionView,
    TransferOutcome,
)

__all__ = [
    "Account",
    "AccountAt",
    "AccountPayload",
    "AccountRefused",
    "AccountResult",
    "Dtype",
    "MoneyTransferResult",
    "Transaction",
    "TransactionPage",
    "TransferConfirmed",
    "TransferPayload",
    "TransferPending",
    "TransferRefused",
    "account_payload",
    "transfer_payload",
]


@strawberry.enum(name="dtype")
class Dtype(Enum):
    """The original's direction enum (lower-case name kept for compatibility)."""

    DEBIT = "DEBIT"
    CREDIT = "CREDIT"

    def to_direction(self) -> Direction:
        """The domain's direction."""
        return Direction(self.value)


@strawberry.type
class Transaction:
    """One BalanceChanged of one account."""

    id: int
    iban: str | None
    new_balance: str | None
    changed_by: str | None = strawberry.field(description="Absolute change, e.g. €10,00.")
    from_to: str | None
    descr: str | None
    direction: Dtype | None
    new_balance_cents: Long | None
    changed_by_cents: Long | None = strawberry.field(
        description="Signed change in cents: negative for a debit."
    )
    traceparent: str | None = strawberry.field(
        default=None,
        description="W3C trace context of its delivery, when traced and streamed live"
        " (docs/tracing.md); null from history.",
    )
    decided: Long | None = strawberry.field(
        default=None,
        description="Its place in the account's decided order: the newest change of an "
        "account has the largest (null: older than every numbered one). Sort by it, then id.",
    )

    @classmethod
    def from_view(cls, view: TransactionView) -> "Transaction":
        """Format a stored/streamed transaction for the client."""
        return cls(
            id=view.id,
            iban=view.iban,
            new_balance=format_euro_cents(view.new_balance_cents),
            changed_by=format_euro_cents(abs(view.changed_by_cents)),
            from_to=view.from_to,
            descr=view.description,
            direction=Dtype(view.direction.value),
            new_balance_cents=Long(view.new_balance_cents),
            changed_by_cents=Long(view.changed_by_cents),
            traceparent=view.traceparent,
            decided=None if view.decided is None else Long(view.decided),
        )


@strawberry.type
class TransactionPage:
    """A page of one account's transactions, newest first (keyset pagination)."""

    items: list[Transaction]
    has_more: bool
    next_before: int | None = strawberry.field(
        description="Pass as `before` to get the next (older) page; null on the last page."
    )


@strawberry.type
class AccountAt:
    """An account as it was at a moment: its balance then and its transactions until then."""

    iban: str
    at: str = strawberry.field(description="The moment asked for, ISO 8601 in UTC.")
    balance: str | None = strawberry.field(
        description="The balance then, e.g. €1.234,56; null before the account's first change."
    )
    balance_cents: Long | None
    transactions: list[Transaction] = strawberry.field(
        description="The newest transactions that had happened by then, newest first."
    )


@strawberry.type
class AccountResult:
    """The original's answer to get_account: iban and token, or a reason."""

    iban: str | None
    token: str | None
    reason: str | None

    @classmethod
    def from_outcome(cls, outcome: AccountOutcome) -> "AccountResult":
        """Copy the outcome's fields."""
        return cls(iban=outcome.iban, token=outcome.token, reason=outcome.reason)


@strawberry.type
class MoneyTransferResult:
    """The original's answer to money_transfer, plus ``pending``."""

    uuid: str | None
    success: bool | None
    reason: str | None
    pending: bool = strawberry.field(
        default=False,
        description="New: true when no answer came within the wait (success and reason "
        "are null); the subscription then sends the decided result the moment it is known.",
    )

    @classmethod
    def from_outcome(cls, outcome: TransferOutcome | PendingTransfer) -> "MoneyTransferResult":
        """Copy the outcome's fields (uuid in canonical lower-case form)."""
        if isinstance(outcome, PendingTransfer):
            return cls(uuid=str(outcome.uuid), success=None, reason=None, pending=True)
        return cls(uuid=str(outcome.uuid), success=outcome.success, reason=outcome.reason)


@strawberry.type
class Account:
    """An open account: its iban and the token that authorises transfers from it."""

    iban: str
    token: str


@strawberry.type
class AccountRefused:
    """Why no account was given (e.g. incorrect password)."""

    reason: str


@strawberry.type
class TransferConfirmed:
    """The transfer was booked."""

    uuid: str


@strawberry.type
class TransferRefused:
    """The command handler refused the transfer (e.g. insufficient funds)."""

    uuid: str
    reason: str


@strawberry.type
class TransferPending:
    """No answer within the wait: the transfer was sent and will be decided. Ask again
    with the same uuid for its result, or follow it on the money_transfer subscription."""

    uuid: str


AccountPayload = Annotated[Account | AccountRefused, strawberry.union("AccountPayload")]
TransferPayload = Annotated[
    TransferConfirmed | TransferRefused | TransferPending, strawberry.union("TransferPayload")
]


def account_payload(outcome: AccountOutcome) -> Account | AccountRefused:
    """The union member for ``outcome``."""
    if outcome.iban is not None and outcome.token is not None and outcome.reason is None:
        return Account(iban=outcome.iban, token=outcome.token)
    return AccountRefused(reason=outcome.reason or "account not available")


def transfer_payload(
    outcome: TransferOutcome | PendingTransfer,
) -> TransferConfirmed | TransferRefused | TransferPending:
    """The union member for ``outcome``."""
    if isinstance(outcome, PendingTransfer):
        return TransferPending(uuid=str(outcome.uuid))
    if outcome.success:
        return TransferConfirmed(uuid=str(outcome.uuid))
    return TransferRefused(uuid=str(outcome.uuid), reason=outcome.reason or "refused")
