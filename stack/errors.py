"""The one error type of the stack: what went wrong, how to fix it, and which log to read.

Every failure a person can meet while starting the bank (a port taken, Java missing, a
download that failed, a component that never became healthy) is raised as a `StackError`
and printed by the command line as a single line, so the fix is never buried in a trace.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["StackError"]


class StackError(Exception):
    """A stack failure a person can act on."""

    def __init__(self, cause: str, fix: str, log: Path | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix
        self.log = log

    def one_line(self) -> str:
        """The message printed by the command line: cause, fix and the log to read."""
        line = f"error: {self.cause}; fix: {self.fix}"
        if self.log is not None:
            line += f"; log: {self.log}"
        return line
