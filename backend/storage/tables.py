"""Table definitions (SQLAlchemy Core), shared by the stores and the migrations.

Amounts are integer euro cents (``BIGINT``); formatting happens at the GraphQL edge.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)

__all__ = [
    "ACCOUNTS",
    "ACCOUNT_ORDER",
    "AS_OF_TIME",
    "METADATA",
    "TRANSACTIONS",
    "TRANSFER_RESULTS",
]

METADATA = MetaData()

#: One row per BalanceChanged. ``id`` = offset * partitions + partition of the event
#: (``backend.transaction_ids``): a replayed event hits the same key, so inserts are
#: idempotent and every backend instance agrees on ids without asking the database.
TRANSACTIONS = Table(
    "transactions",
    METADATA,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("iban", Text, nullable=False),
    Column("new_balance", BigInteger, nullable=False),
    Column("changed_by", BigInteger, nullable=False),
    Column("from_to", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # When the change happened (the event's Kafka timestamp): a replay writes the same
    # value, so ``at`` queries give the same answer after one. NULL in rows projected
    # before it was kept: ``at`` reads ``recorded_at`` there (``AS_OF_TIME``).
    Column("changed_at", DateTime(timezone=True), nullable=True),
    # The change's place in its account's decided order (BalanceChanged.decided): two
    # handler instances may publish an account's changes out of that order. NULL in rows
    # of events written before the handler numbered them (``ACCOUNT_ORDER``).
    Column("decided", BigInteger, nullable=True),
)
#: The moment an ``at`` query compares with (one expression, also indexed).
AS_OF_TIME = func.coalesce(TRANSACTIONS.c.changed_at, TRANSACTIONS.c.recorded_at)
#: An account's changes in decided order, then ``id``: unnumbered (older) rows count as 0,
#: so they come before every numbered one. "Newest" always means the largest
#: (ACCOUNT_ORDER, id), never the largest id alone (docs/backend.md, "Order").
ACCOUNT_ORDER = func.coalesce(TRANSACTIONS.c.decided, 0)
# transactions_by_iban (newest first) and all_last_transactions (DISTINCT ON iban,
# newest first) both read this index forwards.
Index(
    "transactions_iban_order",
    TRANSACTIONS.c.iban,
    ACCOUNT_ORDER.desc(),
    TRANSACTIONS.c.id.desc(),
)
# An account's state at a moment: its newest row at or before it, found without reading
# the rows after it (the company account gets millions).
Index("transactions_iban_as_of", TRANSACTIONS.c.iban, AS_OF_TIME.desc(), TRANSACTIONS.c.id.desc())

#: What the command handler answered to each money transfer, by command id.
TRANSFER_RESULTS = Table(
    "transfer_results",
    METADATA,
    Column("command_id", Uuid, primary_key=True),
    Column("success", Boolean, nullable=False),
    Column("reason", Text, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Logins: the command id re-sent to the handler to get the same iban and token.
ACCOUNTS = Table(
    "accounts",
    METADATA,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("command_id", Uuid, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
