"""accounts remember the moment before which their tokens are no longer accepted (a password reset, a
client secret rotation, a change of roles or scopes), so those changes end tokens issued before them

Revision ID: gateway_0006
Revises: gateway_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0006"
down_revision = "gateway_0005"
branch_labels = None
depends_on = None

ACCOUNT_TABLES = ("people", "clients", "evaluators")


def upgrade() -> None:
    # NULL: no such change yet (earlier changes are not recorded as such, and their tokens have expired
    # long before any deployment of this revision could matter).
    for table in ACCOUNT_TABLES:
        op.add_column(table, sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in ACCOUNT_TABLES:
        op.drop_column(table, "tokens_valid_after")
