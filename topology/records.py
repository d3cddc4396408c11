"""The records that travel on open-bank's topics, as typed, immutable Python values.

Each class mirrors one Avro schema of `topology/schemas` (namespace `nl.openweb.data`) field
for field, so apps never handle raw Avro dicts. `to_avro()` gives the dict fastavro writes;
`from_avro()` builds the record back from the dict fastavro reads. Two conversions happen at
this edge: the Avro `Uuid` (fixed, 16 bytes) is a `uuid.UUID`, and the Avro enum `Atype` is
the `Atype` enum. Amounts and balances are long integers in euro cents, as in the original.

`ConfirmMoneyTransfer.from_` is the Avro field `from` (a Python keyword).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeAlias

__all__ = [
    "NAMESPACE",
    "RECORD_TYPES",
    "AccountCreationConfirmed",
    "AccountCreationFailed",
    "Atype",
    "BalanceChanged",
    "ConfirmAccountCreation",
    "ConfirmMoneyTransfer",
    "Heartbeat",
    "MoneyTransferConfirmed",
    "MoneyTransferFailed",
    "Record",
    "full_name",
    "record_type_by_full_name",
]

NAMESPACE: Final = "nl.openweb.data"
"""Avro namespace of every record (the original's), part of every registry subject."""

AvroDict: TypeAlias = dict[str, Any]


class Atype(enum.Enum):
    """How an account was opened: by the load generator (AUTO) or by a person (MANUAL)."""

    AUTO = "AUTO"
    MANUAL = "MANUAL"


def _uuid_from_avro(value: bytes) -> uuid.UUID:
    return uuid.UUID(bytes=bytes(value))


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One beat of the background load; `beat` counts up from 0 per heartbeat run."""

    AVRO_NAME: ClassVar[str] = "Heartbeat"
    beat: int

    def to_avro(self) -> AvroDict:
        return {"beat": self.beat}

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> Heartbeat:
        return cls(beat=data["beat"])


@dataclass(frozen=True, slots=True)
class ConfirmAccountCreation:
    """Command: open an account, or, for an `id` seen before, return the same account."""

    AVRO_NAME: ClassVar[str] = "ConfirmAccountCreation"
    id: uuid.UUID
    a_type: Atype

    def to_avro(self) -> AvroDict:
        return {"id": self.id.bytes, "a_type": self.a_type.value}

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> ConfirmAccountCreation:
        return cls(id=_uuid_from_avro(data["id"]), a_type=Atype(data["a_type"]))


@dataclass(frozen=True, slots=True)
class AccountCreationConfirmed:
    """Feedback: the account for command `id` is `iban`, usable with `token`."""

    AVRO_NAME: ClassVar[str] = "AccountCreationConfirmed"
    id: uuid.UUID
    iban: str
    token: str
    a_type: Atype

    def to_avro(self) -> AvroDict:
        return {
            "id": self.id.bytes,
            "iban": self.iban,
            "token": self.token,
            "a_type": self.a_type.value,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> AccountCreationConfirmed:
        return cls(
            id=_uuid_from_avro(data["id"]),
            iban=data["iban"],
            token=data["token"],
            a_type=Atype(data["a_type"]),
        )


@dataclass(frozen=True, slots=True)
class AccountCreationFailed:
    """Feedback: command `id` opened no account, for `reason` (shown to the person)."""

    AVRO_NAME: ClassVar[str] = "AccountCreationFailed"
    id: uuid.UUID
    reason: str

    def to_avro(self) -> AvroDict:
        return {"id": self.id.bytes, "reason": self.reason}

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> AccountCreationFailed:
        return cls(id=_uuid_from_avro(data["id"]), reason=data["reason"])


@dataclass(frozen=True, slots=True)
class ConfirmMoneyTransfer:
    """Command: move `amount` euro cents from `from_` (an iban or `cash`) to `to`.

    `token` proves the right to debit `from_` (`cash` for deposits).
    """

    AVRO_NAME: ClassVar[str] = "ConfirmMoneyTransfer"
    id: uuid.UUID
    token: str
    amount: int
    from_: str
    to: str
    description: str

    def to_avro(self) -> AvroDict:
        return {
            "id": self.id.bytes,
            "token": self.token,
            "amount": self.amount,
            "from": self.from_,
            "to": self.to,
            "description": self.description,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> ConfirmMoneyTransfer:
        return cls(
            id=_uuid_from_avro(data["id"]),
            token=data["token"],
            amount=data["amount"],
            from_=data["from"],
            to=data["to"],
            description=data["description"],
        )


@dataclass(frozen=True, slots=True)
class MoneyTransferConfirmed:
    """Feedback: the transfer of command `id` happened."""

    AVRO_NAME: ClassVar[str] = "MoneyTransferConfirmed"
    id: uuid.UUID

    def to_avro(self) -> AvroDict:
        return {"id": self.id.bytes}

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> MoneyTransferConfirmed:
        return cls(id=_uuid_from_avro(data["id"]))


@dataclass(frozen=True, slots=True)
class MoneyTransferFailed:
    """Feedback: the transfer of command `id` did not happen, for `reason`."""

    AVRO_NAME: ClassVar[str] = "MoneyTransferFailed"
    id: uuid.UUID
    reason: str

    def to_avro(self) -> AvroDict:
        return {"id": self.id.bytes, "reason": self.reason}

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> MoneyTransferFailed:
        return cls(id=_uuid_from_avro(data["id"]), reason=data["reason"])


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    """Event: account `iban` now holds `new_balance` cents after a signed change of
    `changed_by` cents (negative for a debit) with counter-party `from_to`.

    `command_id` is the transfer command that caused it; None in records written before the
    field was added (schema version 1), which every reader still reads.

    `decided` is its place in the account's decided order (the handler's ledger number,
    increasing, not contiguous): two handler instances can publish an account's changes out
    of that order, so a reader orders them by it (docs/reliability.md). None in records
    written before it existed (versions 1 and 2), which come before every numbered one.
    """

    AVRO_NAME: ClassVar[str] = "BalanceChanged"
    iban: str
    new_balance: int
    changed_by: int
    from_to: str
    description: str
    command_id: uuid.UUID | None = None
    decided: int | None = None

    def to_avro(self) -> AvroDict:
        return {
            "iban": self.iban,
            "new_balance": self.new_balance,
            "changed_by": self.changed_by,
            "from_to": self.from_to,
            "description": self.description,
            "command_id": None if self.command_id is None else str(self.command_id),
            "decided": self.decided,
        }

    @classmethod
    def from_avro(cls, data: Mapping[str, Any]) -> BalanceChanged:
        command_id = data.get("command_id")
        return cls(
            iban=data["iban"],
            new_balance=data["new_balance"],
            changed_by=data["changed_by"],
            from_to=data["from_to"],
            description=data["description"],
            command_id=None if command_id is None else uuid.UUID(command_id),
            decided=data.get("decided"),
        )


Record: TypeAlias = (
    Heartbeat
    | ConfirmAccountCreation
    | AccountCreationConfirmed
    | AccountCreationFailed
    | ConfirmMoneyTransfer
    | MoneyTransferConfirmed
    | MoneyTransferFailed
    | BalanceChanged
)
"""Any record that may travel on an open-bank topic."""

RECORD_TYPES: Final[tuple[type[Record], ...]] = (
    Heartbeat,
    ConfirmAccountCreation,
    AccountCreationConfirmed,
    AccountCreationFailed,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    BalanceChanged,
)
"""Every record class, in the order of the spec."""


def full_name(record_type: type[Record]) -> str:
    """The Avro full name, e.g. `nl.openweb.data.BalanceChanged` (used in subjects)."""
    return f"{NAMESPACE}.{record_type.AVRO_NAME}"


_BY_FULL_NAME: Final[dict[str, type[Record]]] = {full_name(t): t for t in RECORD_TYPES}


def record_type_by_full_name(name: str) -> type[Record] | None:
    """The record class for an Avro full name, or None when no class has that name."""
    return _BY_FULL_NAME.get(name)
