"""The history topics' records as the Events page shows them (pure: no I/O).

A ``LoggedEvent`` is one decoded record with its place in the log (topic, partition,
offset), its Kafka timestamp and the schema id from its Confluent header. Its fields are
listed generically from the record's Avro form, so a field added by a new schema version
shows up without a change here. Tokens are account keys: they never leave the backend
(``token`` fields read ``hidden``, except the deposits' public ``cash``).
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)

__all__ = [
    "EventFilter",
    "LoggedEvent",
    "RawRecord",
    "caused_by",
    "is_answer",
    "is_command",
]

HIDDEN: Final = "hidden"
_PUBLIC_TOKENS: Final = frozenset({"cash"})
_SECRET_FIELDS: Final = frozenset({"token"})
#: Command ids an iban filter remembers, to let the answers of its commands through.
_REMEMBERED_COMMANDS: Final = 10_000


def _shown(name: str, value: object) -> str | None:
    if value is None:
        return None
    if name in _SECRET_FIELDS and value not in _PUBLIC_TOKENS:
        return HIDDEN
    if isinstance(value, bytes) and len(value) == 16:  # Avro Uuid: fixed(16)
        return str(uuid.UUID(bytes=value))
    return str(value)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One message of a history topic as read, not yet decoded."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One record of a history topic at its place in the log."""

    topic: str
    partition: int
    offset: int
    #: Kafka's timestamp of the record (ms since the epoch; the producer's clock).
    timestamp_ms: int
    schema_id: int
    record: Record

    def fields(self) -> tuple[tuple[str, str | None], ...]:
        """Every field of the record as (Avro name, text), tokens hidden."""
        return tuple((name, _shown(name, v)) for name, v in self.record.to_avro().items())

    @property
    def record_type(self) -> str:
        """The Avro record name, e.g. ``BalanceChanged``."""
        return self.record.AVRO_NAME

    @property
    def command_id(self) -> str | None:
        """The command this record is or answers; for BalanceChanged, only if it says so."""
        value = getattr(self.record, "id", None) or getattr(self.record, "command_id", None)
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str):
            return value.lower()
        if isinstance(value, bytes):
            return _shown("command_id", value)
        return None

    @property
    def ibans(self) -> frozenset[str]:
        """The accounts this record names (an iban filter matches on these)."""
        record = self.record
        if isinstance(record, ConfirmMoneyTransfer):
            return frozenset({record.from_, record.to})
        if isinstance(record, AccountCreationConfirmed | BalanceChanged):
            return frozenset({record.iban})
        return frozenset()


def is_command(event: LoggedEvent) -> bool:
    """True for the records of the ``commands`` topic."""
    return isinstance(event.record, ConfirmAccountCreation | ConfirmMoneyTransfer)


def is_answer(event: LoggedEvent) -> bool:
    """True for the feedback records (a command's answer)."""
    answers = (
        AccountCreationConfirmed,
        AccountCreationFailed,
        MoneyTransferConfirmed,
        MoneyTransferFailed,
    )
    return isinstance(event.record, answers)


def caused_by(command: LoggedEvent, change: LoggedEvent) -> bool:
    """True when BalanceChanged ``change`` is one of the effects of ``command``.

    By the command id when the record carries one; otherwise by its content: the
    handler writes, for a transfer of ``amount`` from ``a`` to ``b`` with description
    ``d``, ``(a, -amount, b, d)`` and ``(b, +amount, a, d)`` for the accounts it holds.
    The caller narrows the candidates to those written with the command's answer.
    """
    transfer, balance = command.record, change.record
    if not isinstance(transfer, ConfirmMoneyTransfer) or not isinstance(balance, BalanceChanged):
        return False
    if change.command_id is not None:
        return change.command_id == command.command_id
    if balance.description != transfer.description:
        return False
    debit = (transfer.from_, -transfer.amount, transfer.to)
    credit = (transfer.to, transfer.amount, transfer.from_)
    return (balance.iban, balance.changed_by, balance.from_to) in (debit, credit)


class EventFilter:
    """Which records one subscriber sees: all, or those of one account.

    For one account: the records naming it, plus the answers to its commands (an
    answer names only the command id), remembered for the last 10,000 commands.
    Stateful: feed it the records in log order.
    """

    def __init__(self, iban: str | None) -> None:
        self.iban = iban
        self._commands: OrderedDict[str, None] = OrderedDict()

    def matches(self, event: LoggedEvent) -> bool:
        """True when the subscriber wants ``event``."""
        if self.iban is None:
            return True
        if self.iban in event.ibans:
            if is_command(event) and event.command_id is not None:
                self._commands[event.command_id] = None
                if len(self._commands) > _REMEMBERED_COMMANDS:
                    self._commands.popitem(last=False)
            return True
        return is_answer(event) and event.command_id in self._commands

    def remembers(self, command_id: str) -> bool:
        """True when ``command_id`` is one of the followed account's commands seen."""
        return command_id in self._commands
