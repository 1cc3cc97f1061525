"""joint inspections (联合检查) and their findings, project completion evaluations, frozen fund evaluations

Revision ID: funds_0006
Revises: funds_0005

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
funds/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "funds_0006"
down_revision = "funds_0005"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def _inspections() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("departments", ARRAY(sa.String(30)), nullable=False),
        sa.Column("leader_unit", sa.String(100), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default=sa.text("'open'")),
        sa.Column("conclusion", sa.Text),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.CheckConstraint("cardinality(departments) >= 2", name="ck_inspections_joint"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_inspections_dates"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_inspections_status"),
    )
    op.create_index("ix_inspections_division_id", "inspections", ["division", "id"])
    op.create_table(
        "inspection_items",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("inspection_id", UUID(as_uuid=True), sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("checklist", JSONB, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_index("ix_inspection_items_inspection", "inspection_items", ["inspection_id", "recorded_at"])


def _inspection_findings() -> None:
    op.add_column("findings", sa.Column("inspection_id", UUID(as_uuid=True), sa.ForeignKey("inspections.id")))
    op.add_column("findings", sa.Column("inspection_point", sa.String(20)))
    op.add_column("findings", sa.Column("issue_note", sa.Text))
    op.drop_constraint("ck_findings_subject", "findings")
    op.create_check_constraint(
        "ck_findings_subject",
        "findings",
        "payment_id IS NOT NULL OR allocation_id IS NOT NULL "
        "OR (kind = 'inspection-issue' AND project_id IS NOT NULL AND inspection_point IS NOT NULL)",
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_findings_inspection_point ON findings (project_id, inspection_point) "
        "WHERE kind = 'inspection-issue'"
    )


def _evaluations() -> None:
    op.create_table(
        "project_evaluations",
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("indicators", JSONB, nullable=False),
        sa.Column("met", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("evaluated_by", sa.String(200), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("total >= 1 AND met BETWEEN 0 AND total", name="ck_project_evaluations_counts"),
        sa.CheckConstraint("version = 1 OR reason IS NOT NULL", name="ck_project_evaluations_reason"),
    )
    op.create_table(
        "fund_evaluations",
        sa.Column("division", sa.String(12), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("figures", JSONB, nullable=False),
        sa.Column("frozen_by", sa.String(200), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )


def upgrade() -> None:
    _inspections()
    _inspection_findings()
    _evaluations()


def downgrade() -> None:
    op.drop_table("fund_evaluations")
    op.drop_table("project_evaluations")
    op.execute("DELETE FROM findings WHERE kind = 'inspection-issue'")
    op.drop_index("uq_findings_inspection_point", table_name="findings")
    op.drop_constraint("ck_findings_subject", "findings")
    op.create_check_constraint(
        "ck_findings_subject", "findings", "payment_id IS NOT NULL OR allocation_id IS NOT NULL"
    )
    op.drop_column("findings", "issue_note")
    op.drop_column("findings", "inspection_point")
    op.drop_column("findings", "inspection_id")
    op.drop_table("inspection_items")
    op.drop_table("inspections")
