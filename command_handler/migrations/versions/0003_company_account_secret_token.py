"""The company account with the stack's secret token.

Its token used to be public (twenty zeros, seeded by 0001), so anyone could move its money.
A new database gets the account here; an existing one keeps its balance and history and
only changes the token. The token comes from the migration's caller (`storage.migrate`) or
else from `OPEN_BANK_COMPANY_TOKEN`, the secret the stack gives the migration step.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pydantic import SecretStr

from command_handler.domain import DEFAULT_LIMIT_CENTS
from command_handler.storage.migrate import COMPANY_TOKEN_ATTRIBUTE
from topology.iban import COMPANY_IBAN
from topology.settings import CompanyAccountSettings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

COMPANY_START_CENTS = 10**17
"""The company account's first balance (SPEC §3)."""


def _company_token() -> str:
    config = op.get_context().config
    given = None if config is None else config.attributes.get(COMPANY_TOKEN_ATTRIBUTE)
    settings = (
        CompanyAccountSettings(token=given)
        if isinstance(given, SecretStr)
        else CompanyAccountSettings()
    )
    return settings.token.get_secret_value()


def upgrade() -> None:
    """Open the company account with the secret token, or give the existing one that token."""
    op.execute(
        sa.text(
            "INSERT INTO balance (iban, token, amount, a_type, lmt) "
            "VALUES (:iban, :token, :amount, 'MANUAL', :lmt) "
            "ON CONFLICT (iban) DO UPDATE SET token = excluded.token"
        ).bindparams(
            iban=COMPANY_IBAN,
            token=_company_token(),
            amount=COMPANY_START_CENTS,
            lmt=DEFAULT_LIMIT_CENTS,
        )
    )


def downgrade() -> None:
    """Keep the account and its secret token: the public one must not come back."""
