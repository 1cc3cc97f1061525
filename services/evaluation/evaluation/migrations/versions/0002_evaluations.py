"""registry households read model, evaluations, samples, findings, rectifications, idempotency keys

Revision ID: evaluation_0002
Revises: evaluation_0001

The tables as they stand at this revision, written out (never a create_all from the models, which a later
change to evaluation/models.py would make wrong here). The idempotency keys' table is fupin_kit's.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from fupin_kit import idempotency

revision = "evaluation_0002"
down_revision = "evaluation_0001"
branch_labels = None
depends_on = None

TABLES = (
    "rectifications",
    "finding_history",
    "findings",
    "evaluation_samples",
    "evaluations",
    "rm_households",
    "idempotency_keys",
)


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "rm_households",
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("ix_rm_households_division_id", "rm_households", ["division", "household_id"])

    op.create_table(
        "evaluations",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("evaluator", sa.Text, nullable=False),
        sa.Column("townships_per_county", sa.Integer, nullable=False),
        sa.Column("villages_per_township", sa.Integer, nullable=False),
        sa.Column("households_per_village", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("drawn_at", sa.DateTime(timezone=True)),
        sa.Column("sample_size", sa.Integer),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("results", JSONB),
    )
    op.create_index("ix_evaluations_division_id", "evaluations", ["division", "id"])

    op.create_table(
        "evaluation_samples",
        sa.Column("evaluation_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False),
        sa.Column("stratum", sa.String(10), nullable=False),
    )
    op.create_index(
        "ix_evaluation_samples_page", "evaluation_samples", ["evaluation_id", "division", "household_id"]
    )

    op.create_table(
        "findings",
        sa.Column("evaluation_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("wrongly_exited", sa.Boolean, nullable=False),
        sa.Column("missed", sa.Boolean, nullable=False),
        sa.Column("people_affected", sa.Integer, nullable=False),
        sa.Column("satisfied", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("people_affected >= 0", name="ck_findings_people_affected"),
    )

    op.create_table(
        "finding_history",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("evaluation_id", UUID(as_uuid=True), nullable=False),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("replaced", JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index(
        "ix_finding_history_finding", "finding_history", ["evaluation_id", "household_id", "version"]
    )

    op.create_table(
        "rectifications",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("evaluation_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("county", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("household_id", UUID(as_uuid=True)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("done", sa.Text),
        sa.Column("return_reason", sa.Text),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("ix_rectifications_division_id", "rectifications", ["division", "id"])
    op.create_index("ix_rectifications_evaluation", "rectifications", ["evaluation_id"])

    idempotency.table(sa.MetaData()).create(op.get_bind())


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
