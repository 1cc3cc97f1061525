"""household plans, measures, visit log

Revision ID: assistance_0003
Revises: assistance_0002

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
assistance/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "assistance_0003"
down_revision = "assistance_0002"
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "household_plans",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("uq_household_plans_version", "household_plans", ["household_id", "version"], unique=True)
    op.create_table(
        "measures",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("scale", sa.String(100)),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("completed_on", sa.Date),
        sa.Column("signed_by", sa.String(60)),
        sa.Column("signed_on", sa.Date),
        sa.Column("signed_recorded_by", sa.String(200)),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="ck_measures_amount"),
    )
    op.create_index("ix_measures_household", "measures", ["household_id", "added_at"])
    op.create_index("ix_measures_division_id", "measures", ["division", "id"])
    op.create_table(
        "visits",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("visitor", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("findings", sa.Text),
        sa.Column("logged_by", sa.String(200), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("ix_visits_household", "visits", ["household_id", "visited_on", "id"])


def downgrade() -> None:
    op.drop_table("visits")
    op.drop_table("measures")
    op.drop_table("household_plans")
