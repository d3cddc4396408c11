"""The storage port's errors: what the loop needs to know of a failed transaction, without
knowing PostgreSQL. The adapter translates its driver's errors into these."""

from __future__ import annotations

__all__ = ["StorageConflictError", "StorageError", "StorageUnavailableError", "UnstorableError"]


class StorageError(Exception):
    """Root of the storage errors; nothing of the failed transaction was kept."""


class StorageUnavailableError(StorageError):
    """The database cannot be reached: retry the same transaction after a back-off."""


class StorageConflictError(StorageError):
    """Another instance committed something this transaction assumed absent (an answer to
    the same command id, a generated iban): decide again, now seeing it."""


class UnstorableError(StorageError):
    """The database refuses a value of this batch as data: no retry will store it."""
