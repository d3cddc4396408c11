"""Commands the handler cannot decide at all: they get no answer and go to the dead-letter
topic with the reason, so one bad message never blocks its partition."""

from __future__ import annotations

from typing import Final

from topology.records import ConfirmAccountCreation, ConfirmMoneyTransfer, Record

__all__ = ["NUL_IN_TEXT", "undecidable_reason"]

NUL_IN_TEXT: Final = "a text field holds a NUL character, which PostgreSQL text cannot store"


def undecidable_reason(record: Record) -> str | None:
    """Why `record`, read from the commands topic, cannot be decided; None when it can."""
    if isinstance(record, ConfirmMoneyTransfer):
        if "\x00" in "".join((record.token, record.from_, record.to, record.description)):
            return NUL_IN_TEXT
        return None
    if isinstance(record, ConfirmAccountCreation):
        return None
    return f"{type(record).__name__} is not a command"
