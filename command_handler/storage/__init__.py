"""PostgreSQL storage of the command handler: tables, migrations, the per-batch statements.

`command_handler.storage.migrate` is imported on its own (alembic is only needed there; the
service runs it in a short-lived subprocess so the long-running one never loads alembic).
"""

from command_handler.storage.answers import MessageSource, StoredAnswer
from command_handler.storage.batch_store import (
    StoredAnswers,
    load_answers,
    load_balance_changes,
    lock_accounts,
    write_decision,
)
from command_handler.storage.database import Database

__all__ = [
    "Database",
    "MessageSource",
    "StoredAnswer",
    "StoredAnswers",
    "load_answers",
    "load_balance_changes",
    "lock_accounts",
    "write_decision",
]
