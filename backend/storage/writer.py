"""Batch writes of the projector (synchronous: it runs in the projector's thread).

Each batch is one transaction; inserts ignore rows already present (same
transaction id = same partition/offset, same command id), so a batch replayed
after a crash before the offset commit changes nothing.
"""

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from backend.outcomes import TransactionView, TransferOutcome
from backend.storage.tables import TRANSACTIONS, TRANSFER_RESULTS

__all__ = ["ProjectionWriter"]

# Built once (see stores.py): executemany with a list of parameter dicts.
_INSERT_TRANSACTIONS = insert(TRANSACTIONS).on_conflict_do_nothing(index_elements=["id"])
_INSERT_RESULTS = insert(TRANSFER_RESULTS).on_conflict_do_nothing(index_elements=["command_id"])


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
                    [
                        {
                            "id": t.id,
                            "iban": t.iban,
                            "new_balance": t.new_balance_cents,
                            "changed_by": t.changed_by_cents,
                            "from_to": t.from_to,
                            "description": t.description,
                        }
                        for t in transactions
                    ],
                )
            if results:
                connection.execute(
                    _INSERT_RESULTS,
                    [
                        {"command_id": r.uuid, "success": r.success, "reason": r.reason}
                        for r in results
                    ],
                )
