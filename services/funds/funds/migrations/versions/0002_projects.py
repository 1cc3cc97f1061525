"""project library: projects, their history and public notices; idempotency keys

Revision ID: funds_0002
Revises: funds_0001

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
funds/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from fupin_kit import idempotency

revision = "funds_0002"
down_revision = "funds_0001"
branch_labels = None
depends_on = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def _empty_list() -> sa.TextClause:
    return sa.text("'[]'::jsonb")


def _projects() -> None:
    op.create_table(
        "projects",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("nature", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("responsible_unit", sa.String(100), nullable=False),
        sa.Column("tasks", sa.Text, nullable=False),
        sa.Column("budget", sa.Numeric(14, 2), nullable=False),
        sa.Column("financing", JSONB, nullable=False),
        sa.Column("beneficiary_households", sa.Integer, nullable=False),
        sa.Column("beneficiary_people", sa.Integer, nullable=False),
        sa.Column("beneficiary_household_ids", JSONB, nullable=False, server_default=_empty_list()),
        sa.Column("performance_target", JSONB, nullable=False),
        sa.Column("pro_poor_mechanism", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("acceptance", JSONB),
        sa.Column("reimbursed_amount", sa.Numeric(14, 2)),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("budget >= 0", name="ck_projects_budget"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_projects_schedule"),
        sa.CheckConstraint(
            "reimbursed_amount IS NULL OR reimbursed_amount <= budget", name="ck_projects_reimbursed"
        ),
    )
    op.create_index("ix_projects_division_id", "projects", ["division", "id"])


def _history() -> None:
    op.create_table(
        "project_history",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_tier", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("detail", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_index("ix_project_history_project", "project_history", ["project_id", "seq"])


def _notices() -> None:
    op.create_table(
        "project_notices",
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("posted_by", sa.String(200), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("ends_on >= starts_on + 10", name="ck_project_notices_ten_days"),
    )
    op.create_index("ix_project_notices_division_id", "project_notices", ["division", "project_id"])


def upgrade() -> None:
    _projects()
    _history()
    _notices()
    op.execute(idempotency.TABLE_SQL)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("project_notices")
    op.drop_table("project_history")
    op.drop_table("projects")
