"""Plain data the backend's services hand to the GraphQL layer.

Kept free of Kafka, Avro and strawberry so that services, fakes and tests share
one vocabulary; adapters translate topology records into these.
"""

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

__all__ = [
    "AccountOutcome",
    "Direction",
    "PendingTransfer",
    "TransactionView",
    "TransferCommand",
    "TransferOutcome",
]


class Direction(Enum):
    """Whether a balance change took money out (DEBIT) or put it in (CREDIT)."""

    DEBIT = "DEBIT"
    CREDIT = "CREDIT"


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """What the command handler said about an account: iban+token, or a reason."""

    iban: str | None = None
    token: str | None = None
    reason: str | None = None

    @property
    def success(self) -> bool:
        """True when the account exists (iban and token are known)."""
        return self.reason is None and self.iban is not None


@dataclass(frozen=True, slots=True)
class TransferOutcome:
    """What the command handler said about one money transfer (by command id)."""

    uuid: UUID
    success: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PendingTransfer:
    """No answer within the wait: the command is sent and will be decided; asking again
    with the same uuid gives the answer once it is."""

    uuid: UUID


@dataclass(frozen=True, slots=True)
class TransferCommand:
    """A validated money transfer request; amounts in euro cents (> 0)."""

    uuid: UUID
    token: str
    amount_cents: int
    from_: str
    to: str
    description: str


@dataclass(frozen=True, slots=True)
class TransactionView:
    """One BalanceChanged as stored and streamed; cents are signed integers.

    ``id`` is derived from the event's Kafka partition and offset (see
    ``backend.transaction_ids``), so every backend instance streams the same id
    the table stores.
    """

    id: int
    iban: str
    new_balance_cents: int
    changed_by_cents: int
    from_to: str
    description: str
    #: When the change happened: the event's Kafka timestamp (ms since the epoch); None
    #: where unknown (rows projected before it was kept). ``at`` queries read it.
    changed_at_ms: int | None = None
    #: The trace it was delivered in (W3C ``traceparent``), when sampled and live.
    traceparent: str | None = None
    #: Its place in the account's decided order (BalanceChanged.decided); None in events
    #: written before the handler numbered them. ``account_position`` orders by it.
    decided: int | None = None

    @property
    def account_position(self) -> tuple[int, int]:
        """Where it stands among its account's changes: by ``decided`` (0 when unknown, so
        older unnumbered changes come first), then by ``id``. The newest has the largest;
        the SQL form is ``backend.storage.tables.ACCOUNT_ORDER`` then ``id``."""
        return (self.decided or 0, self.id)

    @property
    def direction(self) -> Direction:
        """DEBIT when money left the account, CREDIT otherwise (as the original)."""
        return Direction.DEBIT if self.changed_by_cents < 0 else Direction.CREDIT
