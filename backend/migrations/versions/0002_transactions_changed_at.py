"""transactions.changed_at: when each balance change happened, for ``at`` queries.

Revision ID: 0002
Revises: 0001

The event's Kafka timestamp, written by the projector and by a replay alike. Rows written
before stay NULL (their time is only known as ``recorded_at``); a replay fills them in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_AS_OF = "coalesce(changed_at, recorded_at) DESC"


def upgrade() -> None:
    """Add the column and the index an account's state at a moment is read with."""
    op.add_column("transactions", sa.Column("changed_at", sa.DateTime(timezone=True)))
    op.create_index(
        "transactions_iban_as_of", "transactions", ["iban", sa.text(_AS_OF), sa.text("id DESC")]
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("transactions_iban_as_of", table_name="transactions")
    op.drop_column("transactions", "changed_at")
