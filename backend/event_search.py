"""Searches over the history reader's ring of raw records: the recent past of a filter,
and what one command caused. Pure (decoding is passed in), run in a worker thread.

Keys say a lot before anything is decoded: a command and its answer are keyed by the
command id, a BalanceChanged by its iban. Only the records a search may want are decoded.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backend.events import (
    EventFilter,
    LoggedEvent,
    RawRecord,
    caused_by,
    is_answer,
    is_command,
)
from topology.records import ConfirmMoneyTransfer
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    MONEY_TRANSFER_FEEDBACK,
)

__all__ = ["CommandChain", "command_chain", "last_positions", "recent_events"]

Decode = Callable[[RawRecord], LoggedEvent | None]
_BY_COMMAND_ID = frozenset(
    {COMMANDS.name, ACCOUNT_CREATION_FEEDBACK.name, MONEY_TRANSFER_FEEDBACK.name}
)


@dataclass(frozen=True, slots=True)
class CommandChain:
    """A command, its answer and the balance changes it caused, as far as the ring holds them."""

    command: LoggedEvent | None
    answer: LoggedEvent | None
    balance_changes: tuple[LoggedEvent, ...]
    #: How the balance changes were matched: ``command id`` (the record names it) or
    #: ``content`` (account, amount, counter-party and description, written with the answer).
    matched_by: str | None


def last_positions(raws: Sequence[RawRecord]) -> dict[tuple[str, int], int]:
    """The last offset per (topic, partition) in ``raws``."""
    return {(raw.topic, raw.partition): raw.offset for raw in raws}


def _worth_decoding(raw: RawRecord, wanted: EventFilter) -> bool:
    if wanted.iban is None or raw.topic in (COMMANDS.name, ACCOUNT_CREATION_FEEDBACK.name):
        return True
    if raw.topic == BALANCE_CHANGED.name:
        return raw.key == wanted.iban.encode()
    return raw.key is not None and wanted.remembers(raw.key.decode(errors="replace"))


def recent_events(
    raws: Sequence[RawRecord], decode: Decode, wanted: EventFilter, limit: int
) -> list[LoggedEvent]:
    """The last ``limit`` records of ``raws`` that ``wanted`` matches, oldest first."""
    if wanted.iban is None:
        raws = raws[-limit:]
    found: list[LoggedEvent] = []
    for raw in raws:
        if _worth_decoding(raw, wanted):
            event = decode(raw)
            if event is not None and wanted.matches(event):
                found.append(event)
    return found[-limit:]


def command_chain(
    raws: Sequence[RawRecord], decode: Decode, command_id: str, window_ms: int
) -> CommandChain:
    """Command ``command_id``, its answer and its balance changes among ``raws``.

    A transfer changes each account at most once, so per account the candidate written
    closest in time to the answer (within ``window_ms``) is taken.
    """
    key = command_id.lower().encode()
    command: LoggedEvent | None = None
    answer: LoggedEvent | None = None
    for raw in raws:
        if raw.key == key and raw.topic in _BY_COMMAND_ID:
            event = decode(raw)
            if event is not None and is_command(event):
                command = event
            elif event is not None and is_answer(event):
                answer = event
    if command is None or answer is None or not isinstance(command.record, ConfirmMoneyTransfer):
        return CommandChain(command, answer, (), None)
    transfer = command.record
    ibans = {transfer.from_.encode(), transfer.to.encode()}
    closest: dict[str, LoggedEvent] = {}
    by_id = False
    for raw in raws:
        if raw.topic != BALANCE_CHANGED.name or raw.key not in ibans:
            continue
        distance = abs(raw.timestamp_ms - answer.timestamp_ms)
        if distance > window_ms:
            continue
        event = decode(raw)
        if event is None or not caused_by(command, event):
            continue
        by_id = by_id or event.command_id is not None
        iban = raw.key.decode()
        known = closest.get(iban)
        if known is None or distance < abs(known.timestamp_ms - answer.timestamp_ms):
            closest[iban] = event
    changes = tuple(sorted(closest.values(), key=lambda e: (e.timestamp_ms, e.partition, e.offset)))
    matched_by = ("command id" if by_id else "content") if changes else None
    return CommandChain(command, answer, changes, matched_by)
