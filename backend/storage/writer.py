"""Batch writes of the projector (synchronous: it runs in the projector's thread).

Each batch is one transaction; inserts ignore rows already present (same
transaction id = same partition/offset, same command id), so a batch replayed
after a crash before the offset commit changes nothing.

Each table gets one ``INSERT … SELECT FROM unnest(arrays)`` per batch: one statement
and one round trip whatever the batch size, with the rows sent as one array per
column, instead of ``executemany``'s bound parameter per cell, built in Python while
holding the GIL the event loop needs (``python -m bench projector`` measures it).
"""

from collections.abc import Sequence

from sqlalchemy import Engine, text

from backend.outcomes import TransactionView, TransferOutcome

__all__ = ["ProjectionWriter"]

# Column order of both statements is the order of the arrays bound below.
# changed_at is sent as epoch milliseconds and converted by the server (no datetime per row).
_INSERT_TRANSACTIONS = text(
    "INSERT INTO transactions "
    "(id, iban, new_balance, changed_by, from_to, description, changed_at, decided) "
    "SELECT id, iban, new_balance, changed_by, from_to, description, "
    "to_timestamp(changed_ms / 1000.0), decided "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:ibans AS text[]), "
    "CAST(:new_balances AS bigint[]), CAST(:changes AS bigint[]), "
    "CAST(:from_tos AS text[]), CAST(:descriptions AS text[]), CAST(:changed_ms AS bigint[]), "
    "CAST(:decided AS bigint[])) "
    "AS batch(id, iban, new_balance, changed_by, from_to, description, changed_ms, decided) "
    "ON CONFLICT (id) DO NOTHING"
)
_INSERT_RESULTS = text(
    "INSERT INTO transfer_results (command_id, success, reason) "
    "SELECT * FROM unnest(CAST(:command_ids AS uuid[]), CAST(:successes AS boolean[]), "
    "CAST(:reasons AS text[])) "
    "ON CONFLICT (command_id) DO NOTHING"
)


class ProjectionWriter:
    """Writes BalanceChanged rows and transfer results in one transaction per batch."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(
        self, transactions: Sequence[TransactionView], results: Sequence[TransferOutcome]
    ) -> None:
        """Insert both lists (either may be empty) atomically; duplicates are skipped."""
        if not transactions and not results:
            return
        with self._engine.begin() as connection:
            if transactions:
                connection.execute(
                    _INSERT_TRANSACTIONS,
                    {
                        "ids": [t.id for t in transactions],
                        "ibans": [t.iban for t in transactions],
                        "new_balances": [t.new_balance_cents for t in transactions],
                        "changes": [t.changed_by_cents for t in transactions],
                        "from_tos": [t.from_to for t in transactions],
                        "descriptions": [t.description for t in transactions],
                        "changed_ms": [t.changed_at_ms for t in transactions],
                        "decided": [t.decided for t in transactions],
                    },
                )
            if results:
                connection.execute(
                    _INSERT_RESULTS,
                    {
                        "command_ids": [r.uuid for r in results],
                        "successes": [r.success for r in results],
                        "reasons": [r.reason for r in results],
                    },
                )
