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
import random
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

from command_handler import loop, service
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from topology.records import BalanceChanged

__all__ = [
    "CRASH_AFTER_VARIABLE",
    "main",
    "net_debits",
    "spawn_split_handler",
    "split_handle_commands",
]

CRASH_AFTER_VARIABLE = "FAULTS_SPLIT_CRASH_AFTER_BATCHES"
_MOVE = sa.text("UPDATE balance SET amount = amount + :change WHERE iban = :iban")


class _CrashPoint:
    """Counts the batches that debited something; SIGKILLs the process at the n-th."""

    def __init__(self, after_batches: int) -> None:
        self.after_batches = after_batches
        self.debiting_batches = 0

    def passed(self) -> None:
        self.debiting_batches += 1
        if self.after_batches and self.debiting_batches >= self.after_batches:
            os.kill(os.getpid(), signal.SIGKILL)  # the window the bug leaves open


_CRASH = _CrashPoint(int(os.environ.get(CRASH_AFTER_VARIABLE, "0") or "0"))


def net_debits(changes: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Per account, the net change (cents) of a decision's (iban, change) list, where negative.

    Commit 1 applies these alone. Each account's *net* change, not each debit: a batch may
    credit an account and then debit it, and the debit alone could take the account below
    its limit, which the balance table refuses; the net is where the whole decision leaves
    the account, so it always fits.
    """
    net: dict[str, int] = {}
    for iban, change in changes:
        net[iban] = net.get(iban, 0) + change
    return {iban: change for iban, change in net.items() if change < 0}


def split_handle_commands(
    connection: sa.Connection, batch: Sequence[DecodedCommand], rng: random.Random
) -> HandledBatch:
    """`handle_commands` with the batch's debits committed first, in a transaction alone.

    The loop calls it inside its own open transaction on `connection`; the debits go
    through a second engine (the loop's pool holds one connection) and commit at once.
    """
    side = sa.create_engine(connection.engine.url, poolclass=sa.pool.NullPool)
    try:
        with side.connect() as planning:  # learn the debits from a decision rolled back
            transaction = planning.begin()
            planned = handle_commands(planning, batch, rng)
            transaction.rollback()
        debits = net_debits(
            [
                (item.record.iban, item.record.changed_by)
                for item in planned.outgoing
                if isinstance(item.record, BalanceChanged)
            ]
        )
        if debits:
            with side.begin() as first:  # commit 1: the debits alone
                first.execute(_MOVE, [{"iban": i, "change": c} for i, c in debits.items()])
            _CRASH.passed()
    finally:
        side.dispose()
    if debits:  # commit 2 (the loop's): undo them and store the whole decision
        connection.execute(_MOVE, [{"iban": i, "change": -c} for i, c in debits.items()])
    return handle_commands(connection, batch, rng)


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
    setattr(loop, "handle_commands", split_handle_commands)  # noqa: B010 (swap a module global)
    service.main()


if __name__ == "__main__":
    main()
