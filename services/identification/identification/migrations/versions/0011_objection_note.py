"""objections keep a note on what their resolution did not do (a ticket upheld after its case had left
the notice: the case was not moved)

Revision ID: identification_0011
Revises: identification_0010

0002 creates its tables from the models as they stand, so on a fresh database the column may already
exist: ADD COLUMN IF NOT EXISTS keeps this revision correct both ways.
"""

from alembic import op

revision = "identification_0011"
down_revision = "identification_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE objections ADD COLUMN IF NOT EXISTS note text")


def downgrade() -> None:
    op.execute("ALTER TABLE objections DROP COLUMN IF EXISTS note")
