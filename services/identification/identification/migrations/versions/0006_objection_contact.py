"""objections keep the objector's contact (optional), for the township officer who resolves them

Revision ID: identification_0006
Revises: identification_0005

0002 creates its tables from the models as they stand, so on a fresh database the column may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0006"
down_revision = "identification_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE objections ADD COLUMN IF NOT EXISTS contact varchar(100)")


def downgrade() -> None:
    op.execute("ALTER TABLE objections DROP COLUMN IF EXISTS contact")
