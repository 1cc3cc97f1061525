"""the 5:3:2 satisfaction sample, deadlines set and extended by the province, tasks assigned below the county

Revision ID: evaluation_0004
Revises: evaluation_0003

An evaluation records how its villages' households are split between the strata (`allocation`; every
earlier one was proportional) and the split its draw realised (`strata`). A rectification task may name the
township or village the county assigned it to (`assignee`), and each extension of its deadline is kept in
`rectification_deadlines`.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "evaluation_0004"
down_revision = "evaluation_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "evaluations",
        sa.Column("allocation", sa.String(20), nullable=False, server_default=sa.text("'proportional'")),
    )
    op.add_column("evaluations", sa.Column("strata", JSONB))
    op.add_column("rectifications", sa.Column("assignee", sa.String(12)))
    op.create_index("ix_rectifications_assignee_id", "rectifications", ["assignee", "id"])
    op.create_table(
        "rectification_deadlines",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("rectification_id", UUID(as_uuid=True), nullable=False),
        sa.Column("previous_deadline", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("extended_by", sa.String(200), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("deadline > previous_deadline", name="ck_rectification_deadlines_later"),
    )
    op.create_index(
        "ix_rectification_deadlines_task", "rectification_deadlines", ["rectification_id", "extended_at"]
    )


def downgrade() -> None:
    op.drop_table("rectification_deadlines")
    op.drop_index("ix_rectifications_assignee_id", table_name="rectifications")
    op.drop_column("rectifications", "assignee")
    op.drop_column("evaluations", "strata")
    op.drop_column("evaluations", "allocation")
