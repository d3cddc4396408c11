"""Balance changes remember the order they were decided in (`decided`, an identity).

A redelivered batch republishes its stored BalanceChanged events; they must leave in the
order their new balances were computed, whatever order the messages are read again in
(partitions interleave differently on every read).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the identity column (existing rows are numbered in their physical order)."""
    op.add_column(
        "balance_change",
        sa.Column("decided", sa.BigInteger, sa.Identity(always=False), nullable=False),
    )


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("balance_change", "decided")
