"""transactions.decided: each change's place in its account's decided order.

Revision ID: 0003
Revises: 0002

BalanceChanged.decided, written by the projector and by a replay alike. Two handler
instances may publish an account's changes out of decided order, so "newest" is the largest
(coalesce(decided, 0), id), not the largest id. Rows written before stay NULL (events
written before the handler numbered them); a replay fills in those whose event has it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ORDER = "coalesce(decided, 0) DESC"


def upgrade() -> None:
    """Add the column; the account-order index replaces the one by id."""
    op.add_column("transactions", sa.Column("decided", sa.BigInteger))
    op.create_index(
        "transactions_iban_order", "transactions", ["iban", sa.text(_ORDER), sa.text("id DESC")]
    )
    op.drop_index("transactions_iban_id", table_name="transactions")


def downgrade() -> None:
    """Put back what upgrade replaced."""
    op.create_index("transactions_iban_id", "transactions", ["iban", sa.text("id DESC")])
    op.drop_index("transactions_iban_order", table_name="transactions")
    op.drop_column("transactions", "decided")
