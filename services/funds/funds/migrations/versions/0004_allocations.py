"""allocations down the tiers (资金分配/下达) and the projects drawing on them

Revision ID: funds_0004
Revises: funds_0003

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
funds/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "funds_0004"
down_revision = "funds_0003"
branch_labels = None
depends_on = None


def _allocations() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("allocator", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("document_number", sa.String(100), nullable=False),
        sa.Column("categories", ARRAY(sa.String(20)), nullable=False),
        sa.Column("allocated_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("parent_id", UUID(as_uuid=True), sa.ForeignKey("allocations.id")),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("amount > 0", name="ck_allocations_amount"),
        sa.CheckConstraint("deadline >= allocated_on", name="ck_allocations_deadline"),
        sa.CheckConstraint("cardinality(categories) >= 1", name="ck_allocations_categories"),
    )
    op.create_index("ix_allocations_division_id", "allocations", ["division", "id"])
    op.create_index("ix_allocations_parent", "allocations", ["parent_id"])
    op.create_index("ix_allocations_allocator", "allocations", ["allocator", "year"])


def _draws() -> None:
    op.create_table(
        "project_draws",
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("allocation_id", UUID(as_uuid=True), sa.ForeignKey("allocations.id"), primary_key=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.CheckConstraint("amount >= 0", name="ck_project_draws_amount"),
    )
    op.create_index("ix_project_draws_allocation", "project_draws", ["allocation_id"])


def upgrade() -> None:
    _allocations()
    _draws()


def downgrade() -> None:
    op.drop_table("project_draws")
    op.drop_table("allocations")
