"""a drawn batch can be withdrawn by the deciding tier: who, when and why are kept on the batch

Revision ID: identification_0008
Revises: identification_0007

An undecided draw holds its list (one open draw per list and step) until it is decided; one nobody will
decide (its sample cannot be checked, the officer who drew it left) is withdrawn with a reason instead.
0002 creates its tables from the models as they stand, so on a fresh database the columns may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0008"
down_revision = "identification_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE batches ADD COLUMN IF NOT EXISTS withdrawn_by varchar(200)")
    op.execute("ALTER TABLE batches ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz")
    op.execute("ALTER TABLE batches ADD COLUMN IF NOT EXISTS withdrawal_reason text")


def downgrade() -> None:
    op.execute("ALTER TABLE batches DROP COLUMN IF EXISTS withdrawal_reason")
    op.execute("ALTER TABLE batches DROP COLUMN IF EXISTS withdrawn_at")
    op.execute("ALTER TABLE batches DROP COLUMN IF EXISTS withdrawn_by")
