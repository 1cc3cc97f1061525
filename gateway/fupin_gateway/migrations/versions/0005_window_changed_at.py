"""evaluators remember when their access window was last changed, so a window moved into the past keeps
the evaluator on the revoked-subjects list until every token issued before the change has expired

Revision ID: gateway_0005
Revises: gateway_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0005"
down_revision = "gateway_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evaluators", sa.Column("window_changed_at", sa.DateTime(timezone=True), nullable=True))
    # When a window that is closed today was changed is unknown: count from now, so tokens issued before
    # it stay revoked for one more token lifetime rather than being forgotten at once (as gateway_0004).
    op.execute(
        sa.text(
            "UPDATE evaluators SET window_changed_at = now() WHERE valid_until <= now() OR valid_from > now()"
        )
    )


def downgrade() -> None:
    op.drop_column("evaluators", "window_changed_at")
