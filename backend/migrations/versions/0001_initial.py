"""Initial tables: transactions, transfer_results, accounts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables and the index the queries use."""
    op.create_table(
        "transactions",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("iban", sa.Text, nullable=False),
        sa.Column("new_balance", sa.BigInteger, nullable=False),
        sa.Column("changed_by", sa.BigInteger, nullable=False),
        sa.Column("from_to", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("transactions_iban_id", "transactions", ["iban", sa.text("id DESC")])
    op.create_table(
        "transfer_results",
        sa.Column("command_id", sa.Uuid, primary_key=True),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "accounts",
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("command_id", sa.Uuid, nullable=False, unique=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    """Drop everything upgrade created."""
    op.drop_table("accounts")
    op.drop_table("transfer_results")
    op.drop_index("transactions_iban_id", table_name="transactions")
    op.drop_table("transactions")
