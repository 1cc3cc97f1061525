"""accounts remember when they were disabled, so the revoked-subjects list can forget them once every token
they held has expired

Revision ID: gateway_0004
Revises: gateway_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0004"
down_revision = "gateway_0003"
branch_labels = None
depends_on = None

ACCOUNT_TABLES = ("people", "clients", "evaluators")


def upgrade() -> None:
    for table in ACCOUNT_TABLES:
        op.add_column(table, sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        # When an account already disabled was disabled is unknown: count from now, so its tokens stay
        # revoked for one more token lifetime rather than being forgotten at once.
        op.execute(sa.text(f"UPDATE {table} SET disabled_at = now() WHERE disabled"))
        op.create_check_constraint(f"ck_{table}_disabled_at", table, "disabled = (disabled_at IS NOT NULL)")


def downgrade() -> None:
    for table in ACCOUNT_TABLES:
        op.drop_constraint(f"ck_{table}_disabled_at", table, type_="check")
        op.drop_column(table, "disabled_at")
