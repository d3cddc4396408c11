"""PostgreSQL storage of the command handler: tables, migrations, the per-batch statements."""

from command_handler.storage.answers import MessageSource, StoredAnswer
from command_handler.storage.batch_store import (
    StoredAnswers,
    load_answers,
    load_balance_changes,
    lock_accounts,
    write_decision,
)
from command_handler.storage.migrate import migrate

__all__ = [
    "MessageSource",
    "StoredAnswer",
    "StoredAnswers",
    "load_answers",
    "load_balance_changes",
    "lock_accounts",
    "migrate",
    "write_decision",
]
