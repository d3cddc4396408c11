"""What the fault suite saw in the real stores, as plain data (no clients, no I/O here).

`reading` fills an `Observation` from Kafka and both databases once the bank is quiet;
`invariants` decides from it whether anything was lost or doubled. Keeping the two apart
lets unit tests (and hypothesis) feed the checker any history they like, including broken
ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

__all__ = [
    "BackendRow",
    "ChangeEvent",
    "CommandSeen",
    "FeedbackSeen",
    "LedgerRow",
    "Observation",
]


@dataclass(frozen=True, slots=True)
class CommandSeen:
    """One message on `commands` (at `partition`/`offset`, -1 when not known). Transfers
    carry `from_`, `to` and `amount` (cents)."""

    id: uuid.UUID
    is_transfer: bool
    from_: str = ""
    to: str = ""
    amount: int = 0
    partition: int = -1
    offset: int = -1


@dataclass(frozen=True, slots=True)
class FeedbackSeen:
    """One feedback message (either feedback topic); `iban` of a confirmed creation."""

    id: uuid.UUID
    confirmed: bool
    iban: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One BalanceChanged on `balance_changed` at `partition`/`offset` (amounts in cents);
    `decided` its place in the account's decided order (None: not numbered)."""

    partition: int
    offset: int
    iban: str
    new_balance: int
    changed_by: int
    from_to: str
    description: str
    decided: int | None = None

    def content(self) -> tuple[str, int, int, str, str]:
        """The event without its Kafka coordinates, to compare with stored rows."""
        return (self.iban, self.new_balance, self.changed_by, self.from_to, self.description)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of the handler's `balance_change` table: a change it decided (cents)."""

    iban: str
    new_balance: int
    changed_by: int
    from_to: str
    description: str

    def content(self) -> tuple[str, int, int, str, str]:
        return (self.iban, self.new_balance, self.changed_by, self.from_to, self.description)


@dataclass(frozen=True, slots=True)
class BackendRow:
    """One row of the backend's `transactions` table (cents)."""

    id: int
    iban: str
    new_balance: int
    changed_by: int
    from_to: str
    description: str

    def content(self) -> tuple[str, int, int, str, str]:
        return (self.iban, self.new_balance, self.changed_by, self.from_to, self.description)


@dataclass(slots=True)
class Observation:
    """Everything read from Kafka (read_committed, in topic order) and both databases.

    `balances` is the handler's `balance` table (iban → cents); `start_balances` the
    balances accounts had before any change (the company's seed); `lag` the committed
    data messages each consumer group has not consumed yet, per `group topic[partition]`;
    `open_transactions` the messages past the last stable offset of each partition of the
    handler's topics where a transaction is still open, per `topic[partition]`.
    """

    commands: list[CommandSeen] = field(default_factory=list)
    feedback: list[FeedbackSeen] = field(default_factory=list)
    changes: list[ChangeEvent] = field(default_factory=list)
    change_partitions: int = 1
    balances: dict[str, int] = field(default_factory=dict)
    start_balances: dict[str, int] = field(default_factory=dict)
    ledger: list[LedgerRow] = field(default_factory=list)
    backend_rows: list[BackendRow] = field(default_factory=list)
    lag: dict[str, int] = field(default_factory=dict)
    open_transactions: dict[str, int] = field(default_factory=dict)
