"""findings on an allocation (资金滞留) or on a project drawing on one (挪用), not only on a payment

Revision ID: funds_0005
Revises: funds_0004

Explicit DDL (not the models' create_all): this revision must change the same columns whatever
funds/models.py later says.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "funds_0005"
down_revision = "funds_0004"
branch_labels = None
depends_on = None

NIL = "00000000-0000-0000-0000-000000000000"


def upgrade() -> None:
    op.alter_column("findings", "payment_id", nullable=True)
    op.add_column("findings", sa.Column("allocation_id", UUID(as_uuid=True), sa.ForeignKey("allocations.id")))
    op.add_column("findings", sa.Column("project_id", UUID(as_uuid=True), sa.ForeignKey("projects.id")))
    op.add_column("findings", sa.Column("idle_amount", sa.Numeric(14, 2)))
    op.create_check_constraint(
        "ck_findings_subject", "findings", "payment_id IS NOT NULL OR allocation_id IS NOT NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_findings_allocation_kind ON findings "
        f"(allocation_id, COALESCE(project_id, '{NIL}'::uuid), kind) WHERE payment_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM findings WHERE payment_id IS NULL")
    op.drop_index("uq_findings_allocation_kind", table_name="findings")
    op.drop_constraint("ck_findings_subject", "findings")
    op.drop_column("findings", "idle_amount")
    op.drop_column("findings", "project_id")
    op.drop_column("findings", "allocation_id")
    op.alter_column("findings", "payment_id", nullable=False)
