"""batch items record why a decision skipped them (an open blocking comparison hit)

Revision ID: identification_0004
Revises: identification_0003

0002 creates its tables from the models as they stand, so on a fresh database the column may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0004"
down_revision = "identification_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE batch_items ADD COLUMN IF NOT EXISTS skip_reason text")


def downgrade() -> None:
    op.execute("ALTER TABLE batch_items DROP COLUMN IF EXISTS skip_reason")
