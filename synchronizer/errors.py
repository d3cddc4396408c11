"""The synchronizer's errors; each maps to one exit code and one line of output."""

from __future__ import annotations

import enum

__all__ = [
    "ExitCode",
    "IncompatibleSchemaError",
    "SynchronizerError",
    "UnreachableError",
]


class ExitCode(enum.IntEnum):
    """Exit codes of `python -m synchronizer`."""

    OK = 0
    REFUSED = 1  # an incompatible schema or a failed creation: a person must look
    UNREACHABLE = 2  # Kafka or the registry did not answer within the bounded retries


class SynchronizerError(Exception):
    """Root of the synchronizer's errors; `exit_code` is what the process exits with."""

    exit_code: ExitCode = ExitCode.REFUSED


class UnreachableError(SynchronizerError):
    """Kafka or the schema registry did not answer, after every retry."""

    exit_code = ExitCode.UNREACHABLE


class IncompatibleSchemaError(SynchronizerError):
    """At least one local schema cannot be registered under its subject; nothing of this
    run was registered."""
