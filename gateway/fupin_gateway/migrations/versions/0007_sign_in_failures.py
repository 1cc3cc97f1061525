"""failed sign-ins per account name, so repeated failures lock the name for a while (identity/throttle.py),
across restarts and every gateway replica

Revision ID: gateway_0007
Revises: gateway_0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "gateway_0007"
down_revision = "gateway_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per name tried, whether or not an account has it: a lock that only existing accounts could
    # get would tell which names exist.
    op.create_table(
        "sign_in_failures",
        sa.Column("grant_type", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        # The times of the failures still inside the window (at most the limit: reaching it locks and
        # empties the list).
        sa.Column(
            "failures",
            postgresql.ARRAY(sa.DateTime(timezone=True)),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("grant_type", "name", name="pk_sign_in_failures"),
    )
    # Forgetting rows nothing is counted in any more (identity.repository.forget_stale_failures).
    op.create_index("ix_sign_in_failures_updated_at", "sign_in_failures", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_updated_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
