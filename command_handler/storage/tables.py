"""The command handler's tables as SQLAlchemy Core metadata: what the migrations build, and
what `statements` writes its SQL from.

`balance` holds every account (amounts in cents, `lmt` the lowest allowed balance).
The two answer tables remember, per command id, what was answered and which Kafka message
(`source_partition`, `source_offset` of `commands`) first got that answer: a redelivery of
that same message re-publishes everything it caused, a new message with a known id only
gets the answer again. `balance_change` keeps every BalanceChanged a transfer caused (a
ledger: each account's balance is its start plus the sum of its changes), numbered in the
order they were decided (`decided`).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from command_handler.domain import DEFAULT_LIMIT_CENTS

__all__ = [
    "ACCOUNT_CREATION_ANSWER",
    "BALANCE",
    "BALANCE_CHANGE",
    "METADATA",
    "MONEY_TRANSFER_ANSWER",
]

METADATA: Final = sa.MetaData()

BALANCE: Final = sa.Table(
    "balance",
    METADATA,
    sa.Column("iban", sa.Text, primary_key=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("a_type", sa.Text, nullable=False),
    sa.Column("lmt", sa.BigInteger, nullable=False, server_default=str(DEFAULT_LIMIT_CENTS)),
    sa.CheckConstraint("amount >= lmt", name="balance_not_below_limit"),
)

ACCOUNT_CREATION_ANSWER: Final = sa.Table(
    "account_creation_answer",
    METADATA,
    sa.Column("command_id", sa.Uuid, primary_key=True),
    sa.Column("iban", sa.Text, nullable=True),
    sa.Column("token", sa.Text, nullable=True),
    sa.Column("a_type", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("source_partition", sa.Integer, nullable=False),
    sa.Column("source_offset", sa.BigInteger, nullable=False),
)

MONEY_TRANSFER_ANSWER: Final = sa.Table(
    "money_transfer_answer",
    METADATA,
    sa.Column("command_id", sa.Uuid, primary_key=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("source_partition", sa.Integer, nullable=False),
    sa.Column("source_offset", sa.BigInteger, nullable=False),
)

BALANCE_CHANGE: Final = sa.Table(
    "balance_change",
    METADATA,
    sa.Column("command_id", sa.Uuid, primary_key=True),
    sa.Column("seq", sa.SmallInteger, primary_key=True),
    sa.Column("iban", sa.Text, nullable=False),
    sa.Column("new_balance", sa.BigInteger, nullable=False),
    sa.Column("changed_by", sa.BigInteger, nullable=False),
    sa.Column("from_to", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("decided", sa.BigInteger, sa.Identity(always=False), nullable=False),
)
