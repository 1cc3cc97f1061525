"""registry read model, payments to households and their supervision findings

Revision ID: funds_0003
Revises: funds_0002

Explicit DDL (not the models' create_all): this revision must create the same tables whatever
funds/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "funds_0003"
down_revision = "funds_0002"
branch_labels = None
depends_on = None

NO_MEMBER = "00000000-0000-0000-0000-000000000000"


def _now() -> sa.TextClause:
    return sa.text("now()")


def _read_model() -> None:
    op.create_table(
        "rm_households",
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("head_name", sa.String(60), nullable=False, server_default=sa.text("''")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("ix_rm_households_division_id", "rm_households", ["division", "household_id"])
    op.create_table(
        "rm_members",
        sa.Column("member_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("died_on", sa.Date),
        sa.Column("resident_id_index", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
    )
    op.create_index("ix_rm_members_household", "rm_members", ["household_id"])


def _payments() -> None:
    op.create_table(
        "payments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("member_id", UUID(as_uuid=True)),
        sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id")),
        sa.Column("benefit", sa.String(30), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("standard", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount"),
        sa.CheckConstraint("standard >= 0", name="ck_payments_standard"),
        sa.CheckConstraint("ordinal >= 1", name="ck_payments_ordinal"),
    )
    op.create_index("ix_payments_division_id", "payments", ["division", "id"])
    op.create_index("ix_payments_project", "payments", ["project_id"])
    op.execute(
        "CREATE UNIQUE INDEX uq_payments_benefit_period ON payments "
        f"(household_id, COALESCE(member_id, '{NO_MEMBER}'::uuid), benefit, period, ordinal)"
    )


def _findings() -> None:
    op.create_table(
        "findings",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("payment_id", UUID(as_uuid=True), sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False, server_default=sa.text("'open'")),
        sa.Column("raised_by", sa.String(10), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("note", sa.Text),
        sa.Column("resolved_by", sa.String(200)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.UniqueConstraint("payment_id", "kind", name="uq_findings_payment_kind"),
    )
    op.create_index("ix_findings_division_id", "findings", ["division", "id"])


def upgrade() -> None:
    _read_model()
    _payments()
    _findings()


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("payments")
    op.drop_table("rm_members")
    op.drop_table("rm_households")
