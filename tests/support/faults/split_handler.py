"""A deliberately broken command handler: the original's bug, to prove the checks catch it.

`python -m tests.support.faults.split_handler` is the real handler (same wiring, settings,
topics) except that each batch's debits are committed in a PostgreSQL transaction of their own
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
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from command_handler import deciding, service
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from stack.layout import REPO_DIR
from topology.records import BalanceChanged

__all__ = [
    "CRASH_AFTER_VARIABLE",
    "driver_connection",
    "main",
    "net_debits",
    "spawn_split_handler",
    "split_handle_commands",
]

CRASH_AFTER_VARIABLE = "FAULTS_SPLIT_CRASH_AFTER_BATCHES"
_MOVE = "UPDATE balance SET amount = amount + %(change)s WHERE iban = %(iban)s"
_PLAN = "split_handler_plan"  # the savepoint the debits are learnt in


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


def driver_connection(transaction: object) -> psycopg.Connection[Any]:
    """The psycopg connection under the storage transaction the decider hands
    `handle_commands` (`storage.postgres.PostgresTransaction`). TypeError for anything else."""
    connection = getattr(transaction, "connection", None)
    if isinstance(connection, psycopg.Connection):
        return connection
    raise TypeError(f"not a PostgreSQL storage transaction: {transaction!r}")


def split_handle_commands(
    transaction: Any, batch: Sequence[DecodedCommand], rng: random.Random
) -> HandledBatch:
    """`handle_commands` with the batch's debits committed first, in a transaction alone.

    The decider calls it inside its own open storage transaction. The debits are learnt
    from a decision made in a savepoint and rolled back (which also releases its row locks);
    commit 1 goes through a second connection to the same database and commits at once.
    """
    raw = driver_connection(transaction)
    raw.execute(f"SAVEPOINT {_PLAN}")
    planned = handle_commands(transaction, batch, rng)
    raw.execute(f"ROLLBACK TO SAVEPOINT {_PLAN}")
    raw.execute(f"RELEASE SAVEPOINT {_PLAN}")
    debits = net_debits(
        [
            (item.record.iban, item.record.changed_by)
            for item in planned.outgoing
            if isinstance(item.record, BalanceChanged)
        ]
    )
    if debits:
        # The same server, database and role as the loop's connection (info.dsn omits the
        # password). Leaving the block commits.
        side_dsn = make_conninfo(raw.info.dsn, password=raw.info.password)
        with psycopg.connect(side_dsn) as side:  # commit 1
            side.cursor().executemany(_MOVE, [{"iban": i, "change": c} for i, c in debits.items()])
        _CRASH.passed()
        # Commit 2 (the loop's): undo them and store the whole decision.
        raw.cursor().executemany(_MOVE, [{"iban": i, "change": -c} for i, c in debits.items()])
    return handle_commands(transaction, batch, rng)


def spawn_split_handler(
    env: Mapping[str, str], log_path: Path, crash_after_batches: int
) -> subprocess.Popen[bytes]:
    """Start `python -m tests.support.faults.split_handler` (from the repository root, where
    `tests` is importable) with the handler's environment `env`."""
    full = {"PATH": os.environ.get("PATH", ""), **env}
    full[CRASH_AFTER_VARIABLE] = str(crash_after_batches)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.support.faults.split_handler"],
            env=full,
            stdout=log,
            stderr=log,
            cwd=REPO_DIR,
        )


def main() -> None:
    """Run the real service with the split loop in place of the correct one."""
    setattr(deciding, "handle_commands", split_handle_commands)  # noqa: B010 (swap a module global)
    service.main()


if __name__ == "__main__":
    main()
