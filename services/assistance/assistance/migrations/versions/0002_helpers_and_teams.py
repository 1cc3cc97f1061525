"""registry households read model, helper assignments, village teams, idempotency keys

Revision ID: assistance_0002
Revises: assistance_0001

The tables as they stood at this revision, written out: a later change to assistance/models.py comes with
its own revision (assistance_0004 renamed rm_households.head_name_masked), which a create_all from the
models here would have run into. The idempotency keys' table is fupin_kit's, shared by every service.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from fupin_kit import idempotency

revision = "assistance_0002"
down_revision = "assistance_0001"
branch_labels = None
depends_on = None

TABLES = ("village_teams", "helper_assignments", "rm_households", "idempotency_keys")
NOT_ENDED = sa.text("ended_on IS NULL")


def upgrade() -> None:
    op.create_table(
        "rm_households",
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("head_name_masked", sa.String(60), nullable=False, server_default=sa.text("''")),
        sa.Column("member_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_rm_households_division_id", "rm_households", ["division", "household_id"])

    op.create_table(
        "helper_assignments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("household_id", UUID(as_uuid=True), nullable=False),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("unit_tier", sa.String(10), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("ended_on", sa.Date),
        sa.Column("end_reason", sa.Text),
        sa.Column("ended_by", sa.String(200)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_helper_assignments_household", "helper_assignments", ["household_id", "started_on"])
    op.create_index(
        "uq_helper_assignments_current",
        "helper_assignments",
        ["household_id"],
        unique=True,
        postgresql_where=NOT_ENDED,
    )
    op.create_index(
        "ix_helper_assignments_current_division",
        "helper_assignments",
        ["division", "id"],
        postgresql_where=NOT_ENDED,
    )

    op.create_table(
        "village_teams",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("division", sa.String(12), nullable=False),
        sa.Column("first_secretary", JSONB, nullable=False),
        sa.Column("members", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("sent_by", sa.String(10), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("formed_by", sa.String(200), nullable=False),
        sa.Column("formed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("ended_on", sa.Date),
        sa.Column("end_reason", sa.Text),
        sa.Column("ended_by", sa.String(200)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_village_teams_division", "village_teams", ["division", "started_on"])
    op.create_index(
        "uq_village_teams_current", "village_teams", ["division"], unique=True, postgresql_where=NOT_ENDED
    )

    idempotency.table(sa.MetaData()).create(op.get_bind())


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
