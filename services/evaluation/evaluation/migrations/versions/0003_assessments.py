"""assessments (年度考核): assessees, scores and their history; rectification tasks an assessment opens

Revision ID: evaluation_0003
Revises: evaluation_0002

A rectification task now comes from an evaluation round or from an assessment, so `evaluation_id` and
`county` become optional beside the new `assessment_id`, and a task names the tiers that work and check
it (the county and the province for every task before this revision).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "evaluation_0003"
down_revision = "evaluation_0002"
branch_labels = None
depends_on = None

TABLES = ("assessment_score_history", "assessment_scores", "assessees", "assessments")


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "assessments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("assessor_tier", sa.String(10), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("assessee_level", sa.String(10), nullable=False),
        sa.Column("source_weights", JSONB, nullable=False),
        sa.Column("part_weights", JSONB, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("finalized_by", sa.String(200)),
        sa.Column("finalized_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_assessments_division_id", "assessments", ["division", "id"])

    op.create_table(
        "assessees",
        sa.Column("assessment_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), primary_key=True),
        sa.Column("vetoed", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("veto_reason", sa.Text),
        sa.Column("veto_by", sa.String(200)),
        sa.Column("composite", sa.Numeric(6, 2)),
        sa.Column("rank", sa.Integer),
        sa.Column("grade", sa.String(12)),
        sa.Column("consequence", sa.String(12)),
        sa.Column("rectification_id", UUID(as_uuid=True)),
    )
    op.create_index("ix_assessees_division", "assessees", ["division", "assessment_id"])

    op.create_table(
        "assessment_scores",
        sa.Column("assessment_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), primary_key=True),
        sa.Column("source", sa.String(20), primary_key=True),
        sa.Column("scores", JSONB, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("evaluation_id", UUID(as_uuid=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )

    op.create_table(
        "assessment_score_history",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("assessment_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("replaced", JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index(
        "ix_assessment_score_history_score",
        "assessment_score_history",
        ["assessment_id", "division", "source", "version"],
    )

    op.alter_column("rectifications", "evaluation_id", nullable=True)
    op.alter_column("rectifications", "county", nullable=True)
    op.add_column("rectifications", sa.Column("assessment_id", UUID(as_uuid=True)))
    op.add_column(
        "rectifications",
        sa.Column("worker_tier", sa.String(10), nullable=False, server_default=sa.text("'county'")),
    )
    op.add_column(
        "rectifications",
        sa.Column("checker_tier", sa.String(10), nullable=False, server_default=sa.text("'province'")),
    )
    op.create_index("ix_rectifications_assessment", "rectifications", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_rectifications_assessment", "rectifications")
    for column in ("checker_tier", "worker_tier", "assessment_id"):
        op.drop_column("rectifications", column)
    op.execute("DELETE FROM rectifications WHERE evaluation_id IS NULL")
    op.alter_column("rectifications", "county", nullable=False)
    op.alter_column("rectifications", "evaluation_id", nullable=False)
    for name in TABLES:
        op.drop_table(name)
