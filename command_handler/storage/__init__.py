"""The command handler's storage: a small port (`port`, `errors`) and its PostgreSQL adapter
(`postgres`), the only code of the handler that imports psycopg. The schema is `tables` plus
the alembic migrations, run by `migrate` at the service's start."""

from command_handler.storage.answers import MessageSource, StoredAnswer
from command_handler.storage.errors import (
    StorageConflictError,
    StorageError,
    StorageUnavailableError,
    UnstorableError,
)
from command_handler.storage.port import (
    BatchTransaction,
    ChangeNumbers,
    CommandStore,
    StoredAnswers,
)

__all__ = [
    "BatchTransaction",
    "ChangeNumbers",
    "CommandStore",
    "MessageSource",
    "StorageConflictError",
    "StorageError",
    "StorageUnavailableError",
    "StoredAnswer",
    "StoredAnswers",
    "UnstorableError",
]
