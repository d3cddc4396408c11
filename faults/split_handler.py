"""A deliberately broken command handler: the original's bug, to prove the checks catch it.

`python -m faults.split_handler` is the real handler (same wiring, settings, topics)
except that each batch's debits are committed in a PostgreSQL transaction of their own
before the rest of the decision — the transaction split in two that open-bank-mark's
handler has. Without a crash the result is right (the second transaction undoes the debits
and writes the whole decision). With `FAULTS_SPLIT_CRASH_AFTER_BATCHES=n` it SIGKILLs
itself between the two commits of the n-th batch that debits something: the redelivered
commands are then decided again and debited a second time. Never used outside the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

from command_handler import service
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from command_handler.loop import CommandLoop
from topology.records import BalanceChanged

__all__ = ["CRASH_AFTER_VARIABLE", "SplitTransactionLoop", "main", "spawn_split_handler"]

CRASH_AFTER_VARIABLE = "FAULTS_SPLIT_CRASH_AFTER_BATCHES"
_MOVE = sa.text("UPDATE balance SET amount = amount + :change WHERE iban = :iban")


class SplitTransactionLoop(CommandLoop):
    """CommandLoop whose store commits the debits first, alone (the bug under test)."""

    crash_after: int = int(os.environ.get(CRASH_AFTER_VARIABLE, "0") or "0")
    debiting_batches = 0

    def _store(self, commands: Sequence[DecodedCommand]) -> HandledBatch | None:
        # Learn the batch's debits from a decision that is rolled back.
        with self._engine.connect() as connection:
            transaction = connection.begin()
            planned = handle_commands(connection, commands, self._rng)
            transaction.rollback()
        debits = [
            (item.record.iban, item.record.changed_by)
            for item in planned.outgoing
            if isinstance(item.record, BalanceChanged) and item.record.changed_by < 0
        ]
        if debits:
            with self._engine.begin() as connection:  # commit 1: the debits alone
                connection.execute(_MOVE, [{"iban": i, "change": c} for i, c in debits])
            SplitTransactionLoop.debiting_batches += 1
            if self.crash_after and self.debiting_batches >= self.crash_after:
                os.kill(os.getpid(), signal.SIGKILL)  # the window the bug leaves open
        with self._engine.begin() as connection:  # commit 2: undo them, store the decision
            if debits:
                connection.execute(_MOVE, [{"iban": i, "change": -c} for i, c in debits])
            return handle_commands(connection, commands, self._rng)


def spawn_split_handler(
    env: Mapping[str, str], log_path: Path, crash_after_batches: int
) -> subprocess.Popen[bytes]:
    """Start `python -m faults.split_handler` with the handler's environment `env`."""
    full = {"PATH": os.environ.get("PATH", ""), **env}
    full[CRASH_AFTER_VARIABLE] = str(crash_after_batches)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "faults.split_handler"], env=full, stdout=log, stderr=log
        )


def main() -> None:
    """Run the real service with the split loop in place of the correct one."""
    setattr(service, "CommandLoop", SplitTransactionLoop)  # noqa: B010 (swap a module global)
    service.main()


if __name__ == "__main__":
    main()
