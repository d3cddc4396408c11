"""Balances, the answers to both command kinds and the balance changes.

The company account is seeded by 0003, with the stack's secret token.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from command_handler.domain import DEFAULT_LIMIT_CENTS

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "balance",
        sa.Column("iban", sa.Text, primary_key=True),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("a_type", sa.Text, nullable=False),
        sa.Column("lmt", sa.BigInteger, nullable=False, server_default=str(DEFAULT_LIMIT_CENTS)),
        sa.CheckConstraint("amount >= lmt", name="balance_not_below_limit"),
    )
    op.create_table(
        "account_creation_answer",
        sa.Column("command_id", sa.Uuid, primary_key=True),
        sa.Column("iban", sa.Text, nullable=True),
        sa.Column("token", sa.Text, nullable=True),
        sa.Column("a_type", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("source_partition", sa.Integer, nullable=False),
        sa.Column("source_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "money_transfer_answer",
        sa.Column("command_id", sa.Uuid, primary_key=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("source_partition", sa.Integer, nullable=False),
        sa.Column("source_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "balance_change",
        sa.Column("command_id", sa.Uuid, primary_key=True),
        sa.Column("seq", sa.SmallInteger, primary_key=True),
        sa.Column("iban", sa.Text, nullable=False),
        sa.Column("new_balance", sa.BigInteger, nullable=False),
        sa.Column("changed_by", sa.BigInteger, nullable=False),
        sa.Column("from_to", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop everything (loses all balances)."""
    for table in (
        "balance_change",
        "money_transfer_answer",
        "account_creation_answer",
        "balance",
    ):
        op.drop_table(table)
